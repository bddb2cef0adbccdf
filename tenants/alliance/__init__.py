"""Party alliance (党建联盟): units with agreements, in-service party members reporting (双报到),
the three lists (needs, resources, projects), joint meetings and their resolutions."""
