// pop UI
