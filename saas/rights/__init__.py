"""Personal-data rights (个人信息保护法): a person's copy of their data, their deletion request and
its erasure, and the street's retention of the audit log and of inactive accounts."""
