"""Units and merchants (单位与商户): the home page of an org account — its events, voucher
verification, its notifications. The alliance and merchant modules fill it further."""
