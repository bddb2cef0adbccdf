"""The events engine (活动), shared by every module: a volunteer service, an alliance co-building
day, a merchant member day and a campaign activity are all events with sign-ups and check-in."""
