"""Template tags of indicators: ``presentation`` (figures as written) and ``small_numbers``."""
