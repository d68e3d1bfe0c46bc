# rack/rack.mk: the rack tool pirack (rack issue).
