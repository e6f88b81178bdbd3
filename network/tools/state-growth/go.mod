module kiseki/state-growth

go 1.24

// The goleveldb Fabric v3.1.5 vendors (its go.mod), so the measurement runs Fabric's own LevelDB code.
require github.com/syndtr/goleveldb v1.0.1-0.20220721030215-126854af5e6d

require github.com/golang/snappy v0.0.4 // indirect
