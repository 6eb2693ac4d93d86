namespace ub::tool {}
