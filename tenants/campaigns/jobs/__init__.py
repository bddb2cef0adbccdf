"""The spring jobs registry (助企帮招): employers (用工企业), their positions (岗位), job seekers
(求职登记), the matches staff make between them (推荐 → 面试 → 入职) and job fairs' booths.

One file per part: ``common`` (labels, the jobs campaigns, shared cleaning), ``employers``,
``positions``, ``seekers``, ``matches``, ``fairs``; ``forms`` and ``views`` (blueprint
``campaigns_jobs``). The models are in ``tenants.campaigns.jobs_models``; the KPIs in
``tenants.campaigns.kpis``.
"""
