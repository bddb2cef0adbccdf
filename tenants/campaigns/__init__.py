"""Seasonal campaigns (一季一品，四季如花): a street's year of four seasonal service brands with
targets and live progress, their activities on the events engine, and two theme registries:
jobs (助企帮招) and relief (纾困解难)."""
