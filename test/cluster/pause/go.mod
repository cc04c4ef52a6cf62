module meridio-path-exporter/test/cluster/pause

go 1.26.0
