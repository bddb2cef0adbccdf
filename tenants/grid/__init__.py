"""Grid governance (网格化治理): grid items in a closed loop from a phone report to a follow-up,
supervision of late items, grid workers' duty visits, and the map of the grids (民情地图)."""
