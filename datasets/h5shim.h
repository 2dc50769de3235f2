/*
 * h5shim.h: the few HDF5 C calls that gonum.org/v1/hdf5 does not expose.
 *
 * Every function takes plain hid_t handles, returns a negative value on
 * failure, and never prints: the caller turns the HDF5 error stack into a Go
 * error with sg_error_message. The Go side serialises all calls through one
 * mutex, because Debian's serial libhdf5 is not thread-safe.
 */
#ifndef SURROGO_H5SHIM_H
#define SURROGO_H5SHIM_H

#include <stddef.h>
#include <hdf5.h>

/* Element kinds shared with Go (see kind constants in shim.go). */
enum {
	SG_FLOAT32 = 0,
	SG_FLOAT64 = 1,
	SG_INT32 = 2,
	SG_INT64 = 3,
	SG_UINT8 = 4,
	SG_INT8 = 5,
	SG_UINT16 = 6,
	SG_INT16 = 7,
	SG_UINT32 = 8,
	SG_UINT64 = 9
};

/* Type classes reported by sg_type_info. */
enum {
	SG_CLASS_INT = 0,
	SG_CLASS_FLOAT = 1,
	SG_CLASS_STRING = 2,
	SG_CLASS_OTHER = 3
};

/* The HDF5 filter id registered for LZF (the same id h5py and PyTables use). */
#define SG_FILTER_LZF 32000

/* Flags returned by sg_error_message. */
enum {
	SG_ERR_NOSPACE = 1, /* the operating system reported ENOSPC */
	SG_ERR_EMPTY = 2    /* the error stack was empty */
};

int sg_init(void);
void sg_quiet(void);
int sg_error_message(char *buf, size_t n, char *file, size_t nfile,
		     char *inner, size_t ninner);

/* Type descriptions. */
int sg_type_info(hid_t type, int *cls, size_t *size, int *is_signed, int *is_vlstr);
hid_t sg_native_type(int kind);

/* Dataset creation: file type from kind, optional chunking and filters. */
hid_t sg_create_dataset(hid_t loc, const char *name, int kind, int rank,
			const hsize_t *dims, const hsize_t *maxdims,
			const hsize_t *chunk, int shuffle, int gzip, int lzf);
int sg_dataset_info(hid_t dset, int *cls, size_t *size, int *is_signed,
		    int *rank, hsize_t *dims, hsize_t *maxdims,
		    int *chunked, hsize_t *chunk);
int sg_dataset_filters(hid_t dset, int *ids, unsigned *params, int nmax);
long long sg_storage_size(hid_t dset);
int sg_set_extent(hid_t dset, int rank, const hsize_t *dims);

/* Storage layout and the chunks a file actually holds. */
enum {
	SG_LAYOUT_COMPACT = 0,
	SG_LAYOUT_CONTIGUOUS = 1,
	SG_LAYOUT_CHUNKED = 2,
	SG_LAYOUT_OTHER = 3
};
int sg_dataset_layout(hid_t dset);
int sg_num_chunks(hid_t dset, unsigned long long *n);
int sg_chunk_at(hid_t dset, const hsize_t *offset, unsigned long long *addr,
		unsigned long long *size);
int sg_chunk_by_index(hid_t dset, unsigned long long idx, hsize_t *offset,
		      unsigned long long *addr, unsigned long long *size);

/* Reads and writes of a box [start, start+count) in memory type kind. */
int sg_read(hid_t dset, int kind, int rank, const hsize_t *start,
	    const hsize_t *count, void *buf);
int sg_write(hid_t dset, int kind, int rank, const hsize_t *start,
	     const hsize_t *count, const void *buf);

/* Attributes. */
int sg_attr_count(hid_t obj);
int sg_attr_name(hid_t obj, int idx, char *buf, size_t n);
int sg_attr_exists(hid_t obj, const char *name);
int sg_attr_info(hid_t obj, const char *name, int *cls, size_t *size,
		 int *is_signed, int *is_vlstr, int *rank, hsize_t *npoints);
int sg_attr_read_num(hid_t obj, const char *name, int kind, void *buf);
int sg_attr_read_strings(hid_t obj, const char *name, char **out, size_t n);
int sg_attr_write_num(hid_t obj, const char *name, int kind, int rank,
		      hsize_t n, const void *buf);
int sg_attr_write_strings(hid_t obj, const char *name, int rank,
			  const char **strs, size_t n);
int sg_attr_delete(hid_t obj, const char *name);

/* Objects. */
int sg_link_kind(hid_t loc, const char *name);
int sg_flush(hid_t obj);

#endif
