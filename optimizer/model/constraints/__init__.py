"""One module per constraint family; each `add(model)` adds its rows in bulk and returns its `RowBlock`, and each
declares `DUAL` (how its shadow price is reported; None where it is not).

| formulation | module        | rows indexed by       | shadow price reported            |
|-------------|---------------|-----------------------|----------------------------------|
| 1           | mining_stock  | site, model, period   |                                  |
| 2           | mining_run    | site, model, period   |                                  |
| 3           | ai_stock      | site, period          |                                  |
| 4           | ai_ceiling    | site, period          |                                  |
| 5           | floor_space   | site, period          | USD per sqft                     |
| 6           | power         | site, period          | USD per facility MW              |
| 7           | ai_use        | site, period          |                                  |
| 8           | contracts     | tranche, period       |                                  |
| 9           | spot_market   | period                |                                  |
| 10          | capex_budget  | period                | USD per USD of budget            |
| A           | whole_blocks  | site, period          |                                  |
| A           | asic_lots     | site, model, period   |                                  |
"""
from . import (
               ai_ceiling,
               ai_stock,
               ai_use,
               asic_lots,
               capex_budget,
               contracts,
               floor_space,
               mining_run,
               mining_stock,
               power,
               spot_market,
               whole_blocks,
)

FAMILIES = (mining_stock, mining_run, ai_stock, ai_ceiling, floor_space, power, ai_use, contracts, spot_market,
            capex_budget, whole_blocks, asic_lots)
REPORTED_DUALS = {module.__name__.rsplit(".", 1)[-1]: module.DUAL for module in FAMILIES if module.DUAL is not None}
