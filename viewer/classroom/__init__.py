"""Teaching a room: the guided tour, presentation mode, the quiz and following the presenter."""
