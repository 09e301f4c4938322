"""The fix engine: `driver.fix_text` is ruff's fix loop (lint, rewrite every finding its rule's `fix` pattern
matches, repeat until nothing changes), `plan` pairs a finding with its rule's fix under the settings; `atomic`
writes files, `text_diff` prints `--diff`, `verification` runs `--verify`. The patterns themselves sit with their
rules (`hlo_fix/rules/hfNNN_<name>_fix.py`), their building blocks in `hlo_fix.rewrite`."""
