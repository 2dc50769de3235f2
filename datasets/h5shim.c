/*
 * h5shim.c: see h5shim.h. Written for HDF5 1.10 and later (the API calls used
 * here exist unchanged in 1.10, 1.12 and 1.14).
 */
#include "h5shim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <liblzf/lzf.h>

/* ---------------------------------------------------------------- errors */

struct sg_walk {
	char first[256];
	char last[256];
	char minor[128];
	char file[512];
	int count;
	int flags;
};

/* sg_is_nospace reports whether an HDF5 error description carries the
 * operating system's ENOSPC, as the sec2 driver writes it ("errno = 28,
 * error message = 'No space left on device'"). */
static int sg_is_nospace(const char *desc)
{
	char pat[32];
	snprintf(pat, sizeof(pat), "errno = %d,", ENOSPC);
	return strstr(desc, pat) != NULL || strstr(desc, strerror(ENOSPC)) != NULL;
}

/* sg_desc_file copies the "filename = '...'" part of a driver error, if any. */
static void sg_desc_file(const char *desc, char *out, size_t n)
{
	const char *p = strstr(desc, "filename = '");
	const char *q;
	size_t len;
	if (p == NULL) {
		return;
	}
	p += strlen("filename = '");
	q = strchr(p, '\'');
	if (q == NULL) {
		return;
	}
	len = (size_t)(q - p);
	if (len >= n) {
		len = n - 1;
	}
	memcpy(out, p, len);
	out[len] = 0;
}

static herr_t sg_walk_cb(unsigned n, const H5E_error2_t *e, void *data)
{
	struct sg_walk *w = (struct sg_walk *)data;
	(void)n;
	if (e->desc != NULL) {
		if (w->count == 0) {
			strncpy(w->first, e->desc, sizeof(w->first) - 1);
		}
		strncpy(w->last, e->desc, sizeof(w->last) - 1);
		if (sg_is_nospace(e->desc)) {
			w->flags |= SG_ERR_NOSPACE;
			sg_desc_file(e->desc, w->file, sizeof(w->file));
		}
	}
	w->minor[0] = 0;
	H5Eget_msg(e->min_num, NULL, w->minor, sizeof(w->minor));
	w->count++;
	return 0;
}

/* sg_quiet turns off the automatic printing of HDF5's error stack for the
 * calling thread. */
void sg_quiet(void)
{
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* sg_error_message writes a one-line summary of the current HDF5 error stack
 * (the outermost and the innermost description) into buf, the file named by
 * a driver error into file and the innermost description alone into inner
 * (both may be NULL), and clears the stack. It returns
 * flags: SG_ERR_NOSPACE when the operating system reported ENOSPC, and
 * SG_ERR_EMPTY when the stack held nothing. */
int sg_error_message(char *buf, size_t n, char *file, size_t nfile,
		     char *inner, size_t ninner)
{
	struct sg_walk w;
	memset(&w, 0, sizeof(w));
	buf[0] = 0;
	if (file != NULL && nfile > 0) {
		file[0] = 0;
	}
	if (inner != NULL && ninner > 0) {
		inner[0] = 0;
	}
	H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, sg_walk_cb, &w);
	if (w.count == 0) {
		strncpy(buf, "unknown HDF5 error", n - 1);
		buf[n - 1] = 0;
		return SG_ERR_EMPTY;
	}
	if (strcmp(w.first, w.last) == 0) {
		snprintf(buf, n, "%s (%s)", w.last, w.minor);
	} else {
		snprintf(buf, n, "%s: %s (%s)", w.first, w.last, w.minor);
	}
	if (file != NULL && nfile > 0) {
		strncpy(file, w.file, nfile - 1);
		file[nfile - 1] = 0;
	}
	if (inner != NULL && ninner > 0) {
		strncpy(inner, w.last, ninner - 1);
		inner[ninner - 1] = 0;
	}
	H5Eclear2(H5E_DEFAULT);
	return w.flags;
}

/* Every HDF5 API call clears the error stack on entry, so closing the
 * handles a failed call leaves behind would erase its error before Go reads
 * it (inspect said "unknown HDF5 error" for a corrupt chunk). sg_keep saves
 * the stack after a failure; sg_restore puts it back after the cleanup. */
static hid_t sg_keep(int failed)
{
	return failed ? H5Eget_current_stack() : -1;
}

static void sg_restore(hid_t saved)
{
	if (saved >= 0) {
		H5Eset_current_stack(saved);
	}
}

/* ------------------------------------------------------------------- LZF */

/* sg_lzf_filter is the LZF codec in the layout h5py writes: cd_values[2], when
 * set, is the uncompressed chunk size in bytes. Compression that does not
 * shrink a chunk fails, and since the filter is optional HDF5 stores the
 * chunk as it is. */
static size_t sg_lzf_filter(unsigned flags, size_t cd_nelmts,
			    const unsigned cd_values[], size_t nbytes,
			    size_t *buf_size, void **buf)
{
	void *out = NULL;
	size_t outsz;
	unsigned int got = 0;

	if (flags & H5Z_FLAG_REVERSE) {
		outsz = (cd_nelmts >= 3 && cd_values[2] != 0) ? cd_values[2] : *buf_size;
		if (outsz == 0) {
			outsz = 4096;
		}
		for (;;) {
			out = malloc(outsz);
			if (out == NULL) {
				return 0;
			}
			errno = 0;
			got = lzf_decompress(*buf, (unsigned int)nbytes, out, (unsigned int)outsz);
			if (got != 0) {
				break;
			}
			free(out);
			if (errno == E2BIG && outsz < ((size_t)1 << 31)) {
				outsz *= 2;
				continue;
			}
			return 0;
		}
	} else {
		outsz = nbytes;
		if (outsz == 0) {
			return 0;
		}
		out = malloc(outsz);
		if (out == NULL) {
			return 0;
		}
		got = lzf_compress(*buf, (unsigned int)nbytes, out, (unsigned int)outsz);
		if (got == 0) {
			free(out);
			return 0;
		}
	}
	free(*buf);
	*buf = out;
	*buf_size = outsz;
	return got;
}

static const H5Z_class2_t sg_lzf_class = {
	H5Z_CLASS_T_VERS, (H5Z_filter_t)SG_FILTER_LZF, 1, 1, "lzf", NULL, NULL,
	(H5Z_func_t)sg_lzf_filter};

/* sg_init registers the LZF filter unless a plugin already provides it.
 * It returns 1 when surrogo's codec was registered, 0 when a plugin serves
 * LZF, and -1 on failure. */
int sg_init(void)
{
	htri_t avail = H5Zfilter_avail(SG_FILTER_LZF);
	H5Eclear2(H5E_DEFAULT);
	if (avail > 0) {
		return 0;
	}
	return H5Zregister(&sg_lzf_class) < 0 ? -1 : 1;
}

/* ----------------------------------------------------------------- types */

hid_t sg_native_type(int kind)
{
	switch (kind) {
	case SG_FLOAT32: return H5T_NATIVE_FLOAT;
	case SG_FLOAT64: return H5T_NATIVE_DOUBLE;
	case SG_INT32: return H5T_NATIVE_INT32;
	case SG_INT64: return H5T_NATIVE_INT64;
	case SG_UINT8: return H5T_NATIVE_UINT8;
	case SG_INT8: return H5T_NATIVE_INT8;
	case SG_UINT16: return H5T_NATIVE_UINT16;
	case SG_INT16: return H5T_NATIVE_INT16;
	case SG_UINT32: return H5T_NATIVE_UINT32;
	case SG_UINT64: return H5T_NATIVE_UINT64;
	}
	return -1;
}

/* sg_file_type is the little-endian standard type a kind is stored as, so
 * files are identical whatever machine wrote them. */
static hid_t sg_file_type(int kind)
{
	switch (kind) {
	case SG_FLOAT32: return H5T_IEEE_F32LE;
	case SG_FLOAT64: return H5T_IEEE_F64LE;
	case SG_INT32: return H5T_STD_I32LE;
	case SG_INT64: return H5T_STD_I64LE;
	case SG_UINT8: return H5T_STD_U8LE;
	case SG_INT8: return H5T_STD_I8LE;
	case SG_UINT16: return H5T_STD_U16LE;
	case SG_INT16: return H5T_STD_I16LE;
	case SG_UINT32: return H5T_STD_U32LE;
	case SG_UINT64: return H5T_STD_U64LE;
	}
	return -1;
}

int sg_type_info(hid_t type, int *cls, size_t *size, int *is_signed, int *is_vlstr)
{
	H5T_class_t c = H5Tget_class(type);
	*size = H5Tget_size(type);
	*is_signed = 0;
	*is_vlstr = 0;
	switch (c) {
	case H5T_INTEGER:
		*cls = SG_CLASS_INT;
		*is_signed = H5Tget_sign(type) == H5T_SGN_2;
		break;
	case H5T_FLOAT:
		*cls = SG_CLASS_FLOAT;
		*is_signed = 1;
		break;
	case H5T_STRING:
		*cls = SG_CLASS_STRING;
		*is_vlstr = H5Tis_variable_str(type) > 0;
		break;
	case H5T_NO_CLASS:
		return -1;
	default:
		*cls = SG_CLASS_OTHER;
	}
	return 0;
}

/* -------------------------------------------------------------- datasets */

hid_t sg_create_dataset(hid_t loc, const char *name, int kind, int rank,
			const hsize_t *dims, const hsize_t *maxdims,
			const hsize_t *chunk, int shuffle, int gzip, int lzf)
{
	hid_t space = -1, dcpl = -1, lcpl = -1, dset = -1, saved;
	hid_t ftype = sg_file_type(kind);
	if (ftype < 0) {
		return -1;
	}
	space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, maxdims);
	if (space < 0) {
		goto done;
	}
	dcpl = H5Pcreate(H5P_DATASET_CREATE);
	lcpl = H5Pcreate(H5P_LINK_CREATE);
	if (dcpl < 0 || lcpl < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0) {
		goto done;
	}
	if (chunk != NULL && rank > 0) {
		if (H5Pset_chunk(dcpl, rank, chunk) < 0) {
			goto done;
		}
		/* Filter order matters: shuffle must run before the compressor. */
		if (shuffle && H5Pset_shuffle(dcpl) < 0) {
			goto done;
		}
		if (gzip > 0 && H5Pset_deflate(dcpl, (unsigned)gzip) < 0) {
			goto done;
		}
		if (lzf) {
			size_t elem = H5Tget_size(ftype);
			size_t bytes = elem;
			unsigned cd[3];
			for (int i = 0; i < rank; i++) {
				bytes *= chunk[i];
			}
			cd[0] = 4;           /* filter revision, as h5py */
			cd[1] = LZF_VERSION; /* liblzf API version */
			cd[2] = (unsigned)bytes;
			if (H5Pset_filter(dcpl, SG_FILTER_LZF, H5Z_FLAG_OPTIONAL, 3, cd) < 0) {
				goto done;
			}
		}
	}
	dset = H5Dcreate2(loc, name, ftype, space, lcpl, dcpl, H5P_DEFAULT);
done:
	saved = sg_keep(dset < 0);
	if (space >= 0) H5Sclose(space);
	if (dcpl >= 0) H5Pclose(dcpl);
	if (lcpl >= 0) H5Pclose(lcpl);
	sg_restore(saved);
	return dset;
}

int sg_dataset_info(hid_t dset, int *cls, size_t *size, int *is_signed,
		    int *rank, hsize_t *dims, hsize_t *maxdims,
		    int *chunked, hsize_t *chunk)
{
	int vl = 0, rc = -1;
	hid_t saved;
	hid_t type = H5Dget_type(dset);
	hid_t space = H5Dget_space(dset);
	hid_t dcpl = H5Dget_create_plist(dset);
	if (type < 0 || space < 0 || dcpl < 0) {
		goto done;
	}
	if (sg_type_info(type, cls, size, is_signed, &vl) < 0) {
		goto done;
	}
	*rank = H5Sget_simple_extent_ndims(space);
	if (*rank < 0 || *rank > H5S_MAX_RANK) {
		goto done;
	}
	if (*rank > 0 && H5Sget_simple_extent_dims(space, dims, maxdims) < 0) {
		goto done;
	}
	*chunked = H5Pget_layout(dcpl) == H5D_CHUNKED;
	if (*chunked && H5Pget_chunk(dcpl, *rank, chunk) < 0) {
		goto done;
	}
	rc = 0;
done:
	saved = sg_keep(rc < 0);
	if (type >= 0) H5Tclose(type);
	if (space >= 0) H5Sclose(space);
	if (dcpl >= 0) H5Pclose(dcpl);
	sg_restore(saved);
	return rc;
}

/* sg_dataset_filters writes up to nmax filter ids and their first parameter
 * (the level, for gzip) and returns the number of filters in the pipeline. */
int sg_dataset_filters(hid_t dset, int *ids, unsigned *params, int nmax)
{
	hid_t dcpl = H5Dget_create_plist(dset);
	int nf;
	if (dcpl < 0) {
		return -1;
	}
	nf = H5Pget_nfilters(dcpl);
	if (nf < 0) {
		hid_t saved = sg_keep(1);
		H5Pclose(dcpl);
		sg_restore(saved);
		return -1;
	}
	for (int i = 0; i < nf && i < nmax; i++) {
		unsigned flags = 0, conf = 0, cd[8];
		size_t ncd = 8;
		char name[64];
		H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd,
						 sizeof(name), name, &conf);
		ids[i] = (int)id;
		params[i] = ncd > 0 ? cd[0] : 0;
	}
	H5Pclose(dcpl);
	return nf;
}

/* sg_storage_size returns the bytes the dataset occupies in the file. */
long long sg_storage_size(hid_t dset)
{
	return (long long)H5Dget_storage_size(dset);
}

/* sg_dataset_layout returns SG_LAYOUT_COMPACT, _CONTIGUOUS, _CHUNKED or
 * _OTHER (virtual), or -1 on failure. */
int sg_dataset_layout(hid_t dset)
{
	hid_t dcpl = H5Dget_create_plist(dset);
	H5D_layout_t l;
	if (dcpl < 0) {
		return -1;
	}
	l = H5Pget_layout(dcpl);
	{
		hid_t saved = sg_keep(l < 0);
		H5Pclose(dcpl);
		sg_restore(saved);
	}
	switch (l) {
	case H5D_COMPACT: return SG_LAYOUT_COMPACT;
	case H5D_CONTIGUOUS: return SG_LAYOUT_CONTIGUOUS;
	case H5D_CHUNKED: return SG_LAYOUT_CHUNKED;
	default: break;
	}
	return l < 0 ? -1 : SG_LAYOUT_OTHER;
}

/* sg_num_chunks stores the number of chunks the file holds for a chunked
 * dataset (those ever written). */
int sg_num_chunks(hid_t dset, unsigned long long *n)
{
	hsize_t k = 0;
	herr_t r;
	/* HDF5 1.10 wants the dataset's own dataspace, not H5S_ALL. */
	hid_t space = H5Dget_space(dset);
	if (space < 0) {
		return -1;
	}
	r = H5Dget_num_chunks(dset, space, &k);
	{
		hid_t saved = sg_keep(r < 0);
		H5Sclose(space);
		sg_restore(saved);
	}
	if (r < 0) {
		return -1;
	}
	*n = (unsigned long long)k;
	return 0;
}

/* sg_chunk_at looks up the chunk whose first element is at offset (chunk
 * aligned): 1 when the file stores it (its address and stored size are
 * set), 0 when it was never written, -1 on failure. */
int sg_chunk_at(hid_t dset, const hsize_t *offset, unsigned long long *addr,
		unsigned long long *size)
{
	unsigned mask = 0;
	haddr_t a = HADDR_UNDEF;
	hsize_t sz = 0;
	if (H5Dget_chunk_info_by_coord(dset, offset, &mask, &a, &sz) < 0) {
		return -1;
	}
	if (a == HADDR_UNDEF) {
		return 0;
	}
	*addr = (unsigned long long)a;
	*size = (unsigned long long)sz;
	return 1;
}

/* sg_chunk_by_index describes the idx-th stored chunk (index order): its
 * offset in the dataset (rank values), address and stored size. */
int sg_chunk_by_index(hid_t dset, unsigned long long idx, hsize_t *offset,
		      unsigned long long *addr, unsigned long long *size)
{
	unsigned mask = 0;
	haddr_t a = HADDR_UNDEF;
	hsize_t sz = 0;
	herr_t r;
	hid_t space = H5Dget_space(dset);
	if (space < 0) {
		return -1;
	}
	r = H5Dget_chunk_info(dset, space, (hsize_t)idx, offset, &mask, &a, &sz);
	{
		hid_t saved = sg_keep(r < 0);
		H5Sclose(space);
		sg_restore(saved);
	}
	if (r < 0) {
		return -1;
	}
	*addr = (unsigned long long)a;
	*size = (unsigned long long)sz;
	return 0;
}

int sg_set_extent(hid_t dset, int rank, const hsize_t *dims)
{
	(void)rank;
	return H5Dset_extent(dset, dims) < 0 ? -1 : 0;
}

static int sg_transfer(hid_t dset, int kind, int rank, const hsize_t *start,
		       const hsize_t *count, void *buf, int write)
{
	hid_t mtype = sg_native_type(kind);
	hid_t fspace = H5S_ALL, mspace = H5S_ALL, saved;
	herr_t r = -1;
	if (mtype < 0) {
		return -1;
	}
	if (start != NULL && rank > 0) {
		fspace = H5Dget_space(dset);
		if (fspace < 0) {
			return -1;
		}
		if (H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0) {
			saved = sg_keep(1);
			H5Sclose(fspace);
			sg_restore(saved);
			return -1;
		}
		mspace = H5Screate_simple(rank, count, NULL);
		if (mspace < 0) {
			saved = sg_keep(1);
			H5Sclose(fspace);
			sg_restore(saved);
			return -1;
		}
	}
	if (write) {
		r = H5Dwrite(dset, mtype, mspace, fspace, H5P_DEFAULT, buf);
	} else {
		r = H5Dread(dset, mtype, mspace, fspace, H5P_DEFAULT, buf);
	}
	saved = sg_keep(r < 0);
	if (fspace != H5S_ALL) H5Sclose(fspace);
	if (mspace != H5S_ALL) H5Sclose(mspace);
	sg_restore(saved);
	return r < 0 ? -1 : 0;
}

int sg_read(hid_t dset, int kind, int rank, const hsize_t *start,
	    const hsize_t *count, void *buf)
{
	return sg_transfer(dset, kind, rank, start, count, buf, 0);
}

int sg_write(hid_t dset, int kind, int rank, const hsize_t *start,
	     const hsize_t *count, const void *buf)
{
	return sg_transfer(dset, kind, rank, start, count, (void *)buf, 1);
}

/* ------------------------------------------------------------ attributes */

static herr_t sg_count_cb(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
	(void)loc;
	(void)name;
	(void)info;
	(*(int *)data)++;
	return 0;
}

int sg_attr_count(hid_t obj)
{
	int n = 0;
	hsize_t idx = 0;
	if (H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, sg_count_cb, &n) < 0) {
		return -1;
	}
	return n;
}

int sg_attr_name(hid_t obj, int idx, char *buf, size_t n)
{
	ssize_t got = H5Aget_name_by_idx(obj, ".", H5_INDEX_NAME, H5_ITER_INC,
					 (hsize_t)idx, buf, n, H5P_DEFAULT);
	return got < 0 ? -1 : (int)got;
}

int sg_attr_exists(hid_t obj, const char *name)
{
	htri_t e = H5Aexists(obj, name);
	return e < 0 ? -1 : (int)e;
}

int sg_attr_info(hid_t obj, const char *name, int *cls, size_t *size,
		 int *is_signed, int *is_vlstr, int *rank, hsize_t *npoints)
{
	int rc = -1;
	hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
	hid_t type = -1, space = -1, saved;
	if (attr < 0) {
		return -1;
	}
	type = H5Aget_type(attr);
	space = H5Aget_space(attr);
	if (type < 0 || space < 0) {
		goto done;
	}
	if (sg_type_info(type, cls, size, is_signed, is_vlstr) < 0) {
		goto done;
	}
	*rank = H5Sget_simple_extent_ndims(space);
	*npoints = (hsize_t)H5Sget_simple_extent_npoints(space);
	rc = (*rank < 0) ? -1 : 0;
done:
	saved = sg_keep(rc < 0);
	if (type >= 0) H5Tclose(type);
	if (space >= 0) H5Sclose(space);
	H5Aclose(attr);
	sg_restore(saved);
	return rc;
}

int sg_attr_read_num(hid_t obj, const char *name, int kind, void *buf)
{
	hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
	hid_t saved;
	herr_t r;
	if (attr < 0) {
		return -1;
	}
	r = H5Aread(attr, sg_native_type(kind), buf);
	saved = sg_keep(r < 0);
	H5Aclose(attr);
	sg_restore(saved);
	return r < 0 ? -1 : 0;
}

/* sg_attr_read_strings reads a string attribute of n elements, variable or
 * fixed length, into n malloc'd NUL-terminated copies (freed by the caller). */
int sg_attr_read_strings(hid_t obj, const char *name, char **out, size_t n)
{
	int rc = -1;
	hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
	hid_t ftype = -1, mtype = -1, space = -1, saved;
	if (attr < 0) {
		return -1;
	}
	ftype = H5Aget_type(attr);
	space = H5Aget_space(attr);
	if (ftype < 0 || space < 0) {
		goto done;
	}
	memset(out, 0, n * sizeof(char *));
	if (H5Tis_variable_str(ftype) > 0) {
		char **tmp = calloc(n, sizeof(char *));
		if (tmp == NULL) {
			goto done;
		}
		mtype = H5Tcopy(H5T_C_S1);
		H5Tset_size(mtype, H5T_VARIABLE);
		H5Tset_cset(mtype, H5Tget_cset(ftype));
		if (H5Aread(attr, mtype, tmp) < 0) {
			free(tmp);
			goto done;
		}
		for (size_t i = 0; i < n; i++) {
			out[i] = strdup(tmp[i] != NULL ? tmp[i] : "");
		}
		H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, tmp);
		free(tmp);
	} else {
		size_t sz = H5Tget_size(ftype);
		H5T_str_t pad = H5Tget_strpad(ftype);
		char *raw;
		if (sz == 0 || n > (((size_t)-1) - 1) / sz) {
			goto done; /* a damaged type: the buffer size would overflow */
		}
		raw = calloc(n * sz + 1, 1);
		if (raw == NULL) {
			goto done;
		}
		mtype = H5Tcopy(ftype);
		if (H5Aread(attr, mtype, raw) < 0) {
			free(raw);
			goto done;
		}
		for (size_t i = 0; i < n; i++) {
			size_t len = strnlen(raw + i * sz, sz);
			if (pad == H5T_STR_SPACEPAD) {
				while (len > 0 && raw[i * sz + len - 1] == ' ') {
					len--;
				}
			}
			out[i] = malloc(len + 1);
			if (out[i] != NULL) {
				memcpy(out[i], raw + i * sz, len);
				out[i][len] = 0;
			}
		}
		free(raw);
	}
	rc = 0;
done:
	saved = sg_keep(rc < 0);
	if (mtype >= 0) H5Tclose(mtype);
	if (ftype >= 0) H5Tclose(ftype);
	if (space >= 0) H5Sclose(space);
	H5Aclose(attr);
	sg_restore(saved);
	return rc;
}

int sg_attr_delete(hid_t obj, const char *name)
{
	htri_t e = H5Aexists(obj, name);
	if (e < 0) {
		return -1;
	}
	if (e > 0 && H5Adelete(obj, name) < 0) {
		return -1;
	}
	return 0;
}

static int sg_attr_write(hid_t obj, const char *name, hid_t ftype, hid_t mtype,
			 int rank, hsize_t n, const void *buf)
{
	hid_t space, attr, saved;
	herr_t r;
	if (sg_attr_delete(obj, name) < 0) {
		return -1;
	}
	space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, NULL);
	if (space < 0) {
		return -1;
	}
	attr = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
	saved = sg_keep(attr < 0);
	H5Sclose(space);
	sg_restore(saved);
	if (attr < 0) {
		return -1;
	}
	r = H5Awrite(attr, mtype, buf);
	saved = sg_keep(r < 0);
	H5Aclose(attr);
	sg_restore(saved);
	return r < 0 ? -1 : 0;
}

int sg_attr_write_num(hid_t obj, const char *name, int kind, int rank,
		      hsize_t n, const void *buf)
{
	hid_t ft = sg_file_type(kind), mt = sg_native_type(kind);
	if (ft < 0 || mt < 0) {
		return -1;
	}
	return sg_attr_write(obj, name, ft, mt, rank, n, buf);
}

/* sg_attr_write_strings stores variable-length UTF-8 strings, which h5py
 * reads back as str. */
int sg_attr_write_strings(hid_t obj, const char *name, int rank,
			  const char **strs, size_t n)
{
	int rc;
	hid_t t = H5Tcopy(H5T_C_S1);
	if (t < 0) {
		return -1;
	}
	if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
		H5Tclose(t);
		return -1;
	}
	rc = sg_attr_write(obj, name, t, t, rank, (hsize_t)n, strs);
	{
		hid_t saved = sg_keep(rc < 0);
		H5Tclose(t);
		sg_restore(saved);
	}
	return rc;
}

/* ---------------------------------------------------------------- objects */

/* sg_link_kind reports what a path names: 0 nothing, 1 group, 2 dataset,
 * 3 something else. Missing intermediate groups give 0, not an error. */
int sg_link_kind(hid_t loc, const char *name)
{
	size_t len = strlen(name);
	char *path = malloc(len + 1);
	int kind = 0;
	hid_t obj;
	if (path == NULL) {
		return -1;
	}
	memcpy(path, name, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (path[i] == '/' || path[i] == 0) {
			char saved = path[i];
			htri_t e;
			path[i] = 0;
			e = H5Lexists(loc, path, H5P_DEFAULT);
			path[i] = saved;
			if (e <= 0) {
				H5Eclear2(H5E_DEFAULT);
				free(path);
				return 0;
			}
		}
	}
	free(path);
	obj = H5Oopen(loc, name, H5P_DEFAULT);
	if (obj < 0) {
		H5Eclear2(H5E_DEFAULT);
		return 0;
	}
	switch (H5Iget_type(obj)) {
	case H5I_GROUP: kind = 1; break;
	case H5I_DATASET: kind = 2; break;
	default: kind = 3;
	}
	H5Oclose(obj);
	return kind;
}

int sg_flush(hid_t obj)
{
	return H5Fflush(obj, H5F_SCOPE_GLOBAL) < 0 ? -1 : 0;
}
