"""Pages of the distributors app: managers' distributor pages, the team and
invitations, field reports. Views are thin: selectors scope what a person may
see (404 otherwise), services decide and write."""
