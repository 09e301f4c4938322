"""Package holder so that grammar/*.lark ships inside the wheel as `hlo_fix.grammar`."""
