"""Structure inside a street: 社区 (Community) → 网格 (Grid) → 楼栋 (Building)."""
