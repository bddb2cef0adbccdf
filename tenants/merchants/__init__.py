"""Merchant alliance (商圈联盟): business circles and their merchants, the monthly member day with
offers and vouchers, merchant–resident events, popular-merchant voting, monthly settlement."""
