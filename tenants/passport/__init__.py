"""Volunteer passports (志愿护照 / 红心护照): hours, points in an exact ledger, rewards."""
