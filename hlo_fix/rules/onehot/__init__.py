"""The one-hot rewrite shared by the HF002-HF004 fixes: `access` (what a row-iota gather or scatter reads and
writes, or why it cannot be rewritten), `emit` (mask, pick, contraction), `scatter_emit` (the scatter forms)."""
