"""The office console's shared pages (工作台) and the platform's own menu entries and jobs."""
