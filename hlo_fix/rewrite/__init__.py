"""What a fix is built from, below the rules: `Rewriter` (one round's edits: replaced ops, inserted lines, dead
ops removed), `Emitter`/`Typed` (new StableHLO ops, one per line, fresh names), `NameAllocator`, `dead_ops`."""
