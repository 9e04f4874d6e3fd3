"""The pure core: plan rules, periods, indicators, form specs and findings. No I/O."""
