"""Big exports built by a job (导出): the file is kept for its owner for a week and offered in the
inbox. How an export view gets here without being rewritten: ``saas.xlsx.download``."""
