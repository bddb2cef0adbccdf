"""The alliance's members and three lists (area ``lists``): in-service party members reporting
(双报到) and claiming vanguard posts (先锋岗位); needs, resources and projects (三项清单), with
the candidates for a need ranked and each one's reasons.

``common`` holds what the others share, ``members`` the reports and posts, ``services`` the
three lists, ``ranking`` the candidates, ``views`` the one blueprint (``alliance_lists``).
"""
