"""Urgent signals: texts about immediate danger, violence at home, suicidal thoughts, a neighbour
who may need help now, fire or gas. `detect.check` finds them (pure, offline, says which rule
fired); `contacts` holds the help numbers from the configuration; `alerts` records that a
melding's coaches were told, once."""
