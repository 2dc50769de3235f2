package datasets

// #include <stdlib.h>
// #include "h5shim.h"
import "C"

import (
	"path"
	"sort"
	"strings"

	"gonum.org/v1/hdf5"
)

// Kind says what a path inside a file names.
type Kind int

// The kinds of objects a path may name.
const (
	KindNone    Kind = iota // nothing at that path
	KindGroup               // a group
	KindDataset             // a dataset
	KindOther               // a committed datatype or another object
)

// String names the kind ("group", "dataset", "other", "none").
func (k Kind) String() string {
	switch k {
	case KindGroup:
		return "group"
	case KindDataset:
		return "dataset"
	case KindOther:
		return "other"
	}
	return "none"
}

// Group is an open HDF5 group. Names passed to its methods are relative to
// the group unless they start with "/", which makes them absolute in the
// file. Intermediate groups are created on demand.
type Group struct {
	object
	g        *hdf5.Group
	isClosed bool
}

// wrapGroup registers an open group; the caller holds h5mu.
func (f *File) wrapGroup(p string, g *hdf5.Group) *Group {
	grp := &Group{g: g}
	grp.object = object{f: f, path: p, id: func() int64 { return g.ID() }, closed: &grp.isClosed, what: "group"}
	f.track(&grp.object, grp.closeLocked)
	return grp
}

func (g *Group) closeLocked() {
	if !g.isClosed {
		g.isClosed = true
		g.g.Close()
	}
}

// Close releases the group. Closing the file closes it too.
func (g *Group) Close() error {
	if g.isClosed || g.f.closed {
		return nil
	}
	if g == g.f.Group {
		// The root lives as long as the file.
		return nil
	}
	lockH5()
	defer unlockH5()
	g.f.untrack(&g.object)
	g.closeLocked()
	return nil
}

// abs resolves name against the group's path.
func (g *Group) abs(name string) string {
	if strings.HasPrefix(name, "/") {
		return path.Clean(name)
	}
	return path.Clean(path.Join(g.path, name))
}

// kindLocked reports what the absolute path p names; the caller holds h5mu.
func (f *File) kindLocked(p string) Kind {
	if p == "/" {
		return KindGroup
	}
	cp := cString(p)
	defer freeC(cp)
	switch C.sg_link_kind(hid(f.h.ID()), cp) {
	case 1:
		return KindGroup
	case 2:
		return KindDataset
	case 3:
		return KindOther
	}
	return KindNone
}

// Kind reports what name refers to (KindNone when nothing is there).
func (g *Group) Kind(name string) Kind {
	if g.check("look up") != nil {
		return KindNone
	}
	lockH5()
	defer unlockH5()
	return g.f.kindLocked(g.abs(name))
}

// Has reports whether anything exists at name.
func (g *Group) Has(name string) bool { return g.Kind(name) != KindNone }

// OpenGroup opens an existing group.
func (g *Group) OpenGroup(name string) (*Group, error) {
	if err := g.check("open group"); err != nil {
		return nil, err
	}
	p := g.abs(name)
	lockH5()
	defer unlockH5()
	switch k := g.f.kindLocked(p); k {
	case KindGroup:
	case KindNone:
		return nil, newErr("open group", g.f.name, p, ErrNotFound, "no such group")
	default:
		return nil, newErr("open group", g.f.name, p, ErrLayout, "expected a group, found a %s", k)
	}
	h, err := g.f.h.OpenGroup(p)
	if err != nil {
		return nil, h5Err("open group", g.f.name, p, "opening")
	}
	return g.f.wrapGroup(p, h), nil
}

// CreateGroup creates the group name and any missing parents, and returns it
// open; an existing group is opened.
func (g *Group) CreateGroup(name string) (*Group, error) {
	if err := g.check("create group"); err != nil {
		return nil, err
	}
	p := g.abs(name)
	if !g.f.writable {
		return nil, newErr("create group", g.f.name, p, ErrReadOnly, "cannot create groups")
	}
	lockH5()
	if err := g.f.mkdirLocked(p); err != nil {
		unlockH5()
		return nil, err
	}
	unlockH5()
	return g.OpenGroup(p)
}

// mkdirLocked creates p and its parents one level at a time (the binding's
// CreateGroup does not create intermediates); the caller holds h5mu.
func (f *File) mkdirLocked(p string) error {
	if p == "/" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	cur := ""
	for _, part := range parts {
		cur += "/" + part
		switch k := f.kindLocked(cur); k {
		case KindGroup:
			continue
		case KindNone:
			grp, err := f.h.CreateGroup(cur)
			if err != nil {
				return h5Err("create group", f.name, cur, "creating")
			}
			grp.Close()
		default:
			return newErr("create group", f.name, cur, ErrLayout, "expected a group, found a %s", k)
		}
	}
	return nil
}

// Entry is one member of a group.
type Entry struct {
	Name string // the link name inside the group
	Path string // the absolute path in the file
	Kind Kind
}

// Entries lists the group's members in name order.
func (g *Group) Entries() ([]Entry, error) {
	if err := g.check("list"); err != nil {
		return nil, err
	}
	lockH5()
	defer unlockH5()
	n, err := g.g.NumObjects()
	if err != nil {
		return nil, h5Err("list", g.f.name, g.path, "counting members")
	}
	out := make([]Entry, 0, n)
	for i := uint(0); i < n; i++ {
		name, err := g.g.ObjectNameByIndex(i)
		if err != nil {
			return nil, h5Err("list", g.f.name, g.path, "reading member name")
		}
		p := path.Join(g.path, name)
		out = append(out, Entry{Name: name, Path: p, Kind: g.f.kindLocked(p)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Walk calls fn for every group and dataset below g (depth first, members
// in name order), stopping at the first error fn returns.
func (g *Group) Walk(fn func(e Entry) error) error {
	entries, err := g.Entries()
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := fn(e); err != nil {
			return err
		}
		if e.Kind == KindGroup {
			sub, err := g.OpenGroup(e.Path)
			if err != nil {
				return err
			}
			err = sub.Walk(fn)
			sub.Close()
			if err != nil {
				return err
			}
		}
	}
	return nil
}
