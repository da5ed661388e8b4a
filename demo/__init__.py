"""`make demo`: the whole product once, on embedded defaults, everything under var/demo/."""
