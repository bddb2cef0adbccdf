"""Streets (街道) as tenants: the registry, slugs, self-serve sign-up."""
