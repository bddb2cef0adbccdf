"""The street's audit log (操作日志): who did what, when; kept at least 180 days."""
