"""One module per constraint family of MODEL.md; each `add(model)` returns its `ConstraintBlock`.

| MODEL.md | module          | block name     | indexed by              |
|----------|-----------------|----------------|-------------------------|
| 1        | mining_stock    | mining_stock   | site, model, period     |
| 2        | mining_run      | mining_run     | site, model, period     |
| 3        | ai_stock        | ai_stock       | site, period            |
| 4        | ai_ceiling      | ai_ceiling     | site, period            |
| 5        | floor_space     | floor_space    | site, period            |
| 6        | power           | power          | site, period            |
| 7        | ai_use          | ai_use         | site, period            |
| 8        | contracts       | contracts      | tranche, period         |
| 9        | spot_market     | spot_market    | period                  |
| 10       | capex_budget    | capex_budget   | period                  |
"""
from . import (ai_ceiling, ai_stock, ai_use, capex_budget, contracts, floor_space, mining_run, mining_stock, power,
               spot_market)

FAMILIES = (mining_stock, mining_run, ai_stock, ai_ceiling, floor_space, power, ai_use, contracts, spot_market,
            capex_budget)
