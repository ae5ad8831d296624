/* Merge and match sorted sparse word vectors, and count words (see storyline/stories/terms.py).
 *
 * Written by hand because no maintained library does this for NumPy 1 and 2 at a cost that
 * fits a per-article step: NumPy merges by concatenating and sorting (a dozen array calls),
 * scipy.sparse spends tens of microseconds per call, and sortednp requires NumPy < 2. The
 * arithmetic is the one NumPy does (float32 additions of the same pairs), so a vector built
 * here equals the one the NumPy fallback in terms.py builds, bit for bit.
 *
 * Arrays are passed through the buffer protocol (no NumPy headers): ids are uint32, weights
 * float32, all C-contiguous; the caller allocates the outputs. Counting a document's words in
 * the document-frequency table is one call here where NumPy makes three (read, add, write).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static const char *
type_name(char kind)
{
    switch (kind) {
    case 'I': return "uint32";
    case 'i': return "int32";
    case 'f': return "float32";
    default: return "int64";
    }
}

/* A C-contiguous buffer of one item type: 'I' uint32, 'i' int32, 'f' float32, 'q' int64. */
static int
get(PyObject *obj, Py_buffer *view, char kind, int writable, const char *what)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0)
        return -1;
    const char *f = view->format ? view->format : "B";
    if (*f == '@' || *f == '=')
        f++; /* native byte order, as a plain format is */
    int ok = f[0] != '\0' && f[1] == '\0';
    if (kind == 'q') /* int64 is 'l' or 'q' depending on the platform's C long */
        ok = ok && view->itemsize == 8 && (f[0] == 'l' || f[0] == 'q');
    else
        ok = ok && view->itemsize == 4 && f[0] == kind;
    if (!ok) {
        PyErr_Format(PyExc_TypeError, "%s: expected an array of %s, got format '%s'", what, type_name(kind),
                     view->format ? view->format : "B");
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static void
release(Py_buffer *v, int n)
{
    while (n-- > 0)
        PyBuffer_Release(&v[n]);
}

/* The arguments of `name`: one array per letter of `kinds` (see `get`), named `what`, argument i
 * writable when bit i of `writable` is set. On failure nothing is held and -1 is returned. */
static int
get_args(PyObject *args, const char *name, const char *kinds, unsigned writable, const char *const *what, Py_buffer *v)
{
    int n = (int)strlen(kinds);
    if (PyTuple_GET_SIZE(args) != n) {
        PyErr_Format(PyExc_TypeError, "%s() takes %d arrays (%zd given)", name, n, PyTuple_GET_SIZE(args));
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (get(PyTuple_GET_ITEM(args, i), &v[i], kinds[i], (writable >> i) & 1, what[i]) < 0) {
            release(v, i);
            return -1;
        }
    return 0;
}

/* The lengths of the two vectors of merge_add and matched (arguments 0-3: ids and weights of
 * each, of one length), checking that the outputs (arguments 4 and 5) can hold their union
 * (`union_` set) or the shorter one. */
static int
vector_lengths(const char *name, const Py_buffer *v, int union_, Py_ssize_t *na, Py_ssize_t *nb)
{
    *na = v[0].len / 4;
    *nb = v[2].len / 4;
    Py_ssize_t need = union_ ? *na + *nb : (*na < *nb ? *na : *nb);
    if (v[1].len / 4 != *na || v[3].len / 4 != *nb || v[4].len / 4 < need || v[5].len / 4 < need) {
        PyErr_Format(PyExc_ValueError, "%s: ids and weights differ in length, or the outputs are too short", name);
        return -1;
    }
    return 0;
}

/* merge_add(a_ids, a_weights, b_ids, b_weights, out_ids, out_weights) -> n
 *
 * The union of two vectors with unique ascending ids into the first n items of the outputs
 * (which hold at least len(a) + len(b) items); an id in both gets a's weight plus b's. */
static PyObject *
merge_add(PyObject *self, PyObject *args)
{
    static const char *const what[] = {"a_ids", "a_weights", "b_ids", "b_weights", "out_ids", "out_weights"};
    Py_buffer v[6];
    PyObject *result = NULL;
    if (get_args(args, "merge_add", "IfIfIf", 0x30, what, v) < 0) /* outputs: the last two */
        return NULL;
    Py_ssize_t na, nb;
    if (vector_lengths("merge_add", v, 1, &na, &nb) < 0)
        goto done;
    const uint32_t *ai = v[0].buf, *bi = v[2].buf;
    const float *aw = v[1].buf, *bw = v[3].buf;
    uint32_t *oi = v[4].buf;
    float *ow = v[5].buf;
    Py_ssize_t i = 0, j = 0, k = 0;
    while (i < na && j < nb) {
        uint32_t x = ai[i], y = bi[j];
        if (x < y) {
            oi[k] = x;
            ow[k++] = aw[i++];
        } else if (y < x) {
            oi[k] = y;
            ow[k++] = bw[j++];
        } else {
            oi[k] = x;
            ow[k++] = aw[i++] + bw[j++];
        }
    }
    for (; i < na; i++, k++) {
        oi[k] = ai[i];
        ow[k] = aw[i];
    }
    for (; j < nb; j++, k++) {
        oi[k] = bi[j];
        ow[k] = bw[j];
    }
    result = PyLong_FromSsize_t(k);
done:
    release(v, 6);
    return result;
}

/* matched(a_ids, a_weights, b_ids, b_weights, out_a, out_b) -> n
 *
 * For the ids both vectors hold, in ascending order: a's weights into out_a and b's into
 * out_b (each holding at least min(len(a), len(b)) items). Their dot product is the vectors'. */
static PyObject *
matched(PyObject *self, PyObject *args)
{
    static const char *const what[] = {"a_ids", "a_weights", "b_ids", "b_weights", "out_a", "out_b"};
    Py_buffer v[6];
    PyObject *result = NULL;
    if (get_args(args, "matched", "IfIfff", 0x30, what, v) < 0) /* outputs: the last two */
        return NULL;
    Py_ssize_t na, nb;
    if (vector_lengths("matched", v, 0, &na, &nb) < 0)
        goto done;
    const uint32_t *ai = v[0].buf, *bi = v[2].buf;
    const float *aw = v[1].buf, *bw = v[3].buf;
    float *oa = v[4].buf, *ob = v[5].buf;
    Py_ssize_t i = 0, j = 0, k = 0;
    while (i < na && j < nb) {
        uint32_t x = ai[i], y = bi[j];
        if (x < y)
            i++;
        else if (y < x)
            j++;
        else {
            oa[k] = aw[i++];
            ob[k++] = bw[j++];
        }
    }
    result = PyLong_FromSsize_t(k);
done:
    release(v, 6);
    return result;
}

/* count_once(table, buckets) -> None
 *
 * Adds one to table[b] for every bucket b (int32 table, int64 buckets), once for a bucket listed
 * twice: what NumPy's `table[buckets] += 1` does (it reads every value before writing any). */
static PyObject *
count_once(PyObject *self, PyObject *args)
{
    static const char *const what[] = {"table", "buckets"};
    Py_buffer v[2];
    PyObject *result = NULL;
    int32_t *old = NULL;
    if (get_args(args, "count_once", "iq", 0x1, what, v) < 0) /* the table is written */
        return NULL;
    int32_t *table = v[0].buf;
    const int64_t *buckets = v[1].buf;
    Py_ssize_t size = v[0].len / 4, n = v[1].len / 8;
    old = PyMem_Malloc((n ? n : 1) * sizeof(int32_t));
    if (old == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t b = buckets[i];
        if (b < 0 || b >= size) {
            PyErr_Format(PyExc_IndexError, "count_once: bucket %lld outside a table of %zd", (long long)b, size);
            goto done;
        }
        old[i] = table[b];
    }
    for (Py_ssize_t i = 0; i < n; i++)
        table[buckets[i]] = old[i] + 1;
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(old);
    release(v, 2);
    return result;
}

static PyMethodDef methods[] = {
    {"merge_add", merge_add, METH_VARARGS, "Union of two sorted sparse vectors, weights of shared ids added."},
    {"matched", matched, METH_VARARGS, "Weights of the ids two sorted sparse vectors share."},
    {"count_once", count_once, METH_VARARGS, "Add one to a table at each distinct bucket."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, .m_name = "_sparse", .m_size = -1, .m_methods = methods};

PyMODINIT_FUNC
PyInit__sparse(void)
{
    return PyModule_Create(&module);
}
