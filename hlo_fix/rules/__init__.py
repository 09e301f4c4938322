"""The rules, one module each: `hfNNN_<name>.py` defines one `Rule` (and declares its fix), `hfNNN_<name>_fix.py`
next to it holds that fix's `RewritePattern`; `registry` finds them. The other modules are what several rules
share (`row_iota`, `context_checks`, `onehot/`, ...). See docs/adding-a-rule.md."""
