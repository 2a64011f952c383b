"""capopt's tests: a package, so test modules import their helpers (casebuilder, smallcase, ...) relatively."""
