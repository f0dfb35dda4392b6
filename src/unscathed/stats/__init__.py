"""Statistics of the filtered policy: estimators, exact bounds and the failure rate of the deployed filter.

Pure functions over arrays, no models and no I/O.
"""

from .estimators import (
    Z95,
    Estimate,
    cohen_kappa,
    comparisons_needed,
    effective_sample_size,
    importance_weights,
    in_unit_interval,
    quality_efficient,
    quality_naive,
    ratio_mean_estimate,
    weighted_mean_estimate,
)
from .failure import BudgetedFailureReport, budgeted_failure_rate, served_failure_rate
from .intervals import clopper_pearson_lower, clopper_pearson_upper, poisson_count_bounds, weighted_count_bounds, wilson_interval

__all__ = [
    "Z95", "BudgetedFailureReport", "Estimate", "budgeted_failure_rate", "clopper_pearson_lower", "clopper_pearson_upper", "cohen_kappa", "comparisons_needed",
    "effective_sample_size", "importance_weights", "quality_efficient", "quality_naive", "ratio_mean_estimate", "served_failure_rate", "weighted_count_bounds",
    "weighted_mean_estimate", "in_unit_interval", "poisson_count_bounds", "wilson_interval",
]
