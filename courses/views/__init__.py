"""Pages of the courses app: learner pages, trainer authoring, assignments."""
