"""The rewriter: `driver.fix_text` applies the rewrite patterns (one small class per rule: `replicate_iota`,
`gather_onehot`, `scatter_onehot`, `flat_index`) to the findings of a lint run; `command` is `hlo-fix fix`."""
