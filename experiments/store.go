package experiments

import (
	"path/filepath"
)

// StoreFileName is the data file of a data store entry:
// STORE/<key>/data.h5.
const StoreFileName = "data.h5"

// storeKeyLength is how many hex digits of the data hash name a store
// entry (80 bits).
const storeKeyLength = 20

// placeInStore sets data.output to the data store's file for these data
// settings (data.store): STORE/<key>/data.h5, the key the generate stage's
// hash of the seed and [data] without data.output and data.store, so that
// where the store is does not change what is in it.
func (c *Config) placeInStore(raw []byte) error {
	d := &c.Data
	if d.Store == "" {
		return nil
	}
	store := d.Store
	d.Store, d.Output = "", ""
	hash, err := c.StageHash(StageGenerate)
	d.Store = store
	if err != nil {
		return err
	}
	d.Output = filepath.Join(store, hash[:storeKeyLength], StoreFileName)
	if err := checkWritable(d.Output); err != nil {
		return c.fail(raw, "data.store", "%v", err)
	}
	return nil
}

// inStore reports whether the data file is a data store's.
func (c *Config) inStore() bool { return c.Data.Store != "" }
