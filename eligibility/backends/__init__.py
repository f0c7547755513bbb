"""Other engines that take the threshold decisions of the rule sets (see :mod:`.durable`)."""
