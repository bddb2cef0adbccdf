"""Micro-wishes (微心愿): residents' small wishes that volunteers and units fulfil."""
