"""Scenario generation: futures of bitcoin price, network hashrate, fees and hashprice over a model's horizon,
reduced to a few scenarios with probabilities in the tables of docs/formulation.md section C.

    settings, problems = read_generation_settings(model_file_data, "models/x.yaml")      # settings.py
    paths = generate_paths(horizon, settings, n_paths=1000, seed=1, halving_months=[...])  # simulate.py
    reduced = reduce_paths(paths, keep=10)     # reduce.py: reduced.scenarios, reduced.scenario_periods, .summary

`generate.generate_scenarios` does the three steps in one call (what `capopt scenarios` runs); the fan chart is
drawn by `optimizer/writers/fan_chart.py`. Submodules are imported where they are used, so reading a model file's
settings does not load scipy.
"""
