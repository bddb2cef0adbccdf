"""Notifications (通知): an outbox row per message, delivered by a job after commit."""
