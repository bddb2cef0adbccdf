"""People in a street: volunteers who join by themselves, staff and org accounts the admin creates."""
