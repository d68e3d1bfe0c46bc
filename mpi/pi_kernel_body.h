/* pi_kernel_body.h: the kernel's loop, included once per vector ISA. */
/*
 * pi_kernel.c defines, before each inclusion:
 *   PI_BODY       the kernel's name
 *   PI_ATTR       its target attribute, if any
 *   PI_V, PI_W    the vector type and its doubles (1 for plain C)
 *   PI_EACH(S)    S(0) ... S(16 / PI_W - 1): one statement per vector,
 *                 written out so that the 16 lanes stay in registers
 *   PI_DUP(x)     x in every lane
 *   PI_LOAD(p), PI_STORE(p, v)   unaligned load and store
 *   PI_ADD(a, b)      a + b
 *   PI_MUL(a, b)      a * b
 *   PI_FMA(a, b, c)   a * b + c, rounded once
 *   PI_FNMA(a, b, c)  c - a * b, rounded once
 * Every lane does the same IEEE operations in every kernel; the scalar
 * set-up, the sums and the slow path are the shared inline functions of
 * pi_kernel.c.
 */
PI_ATTR static void PI_BODY(uint64_t first, uint64_t count, double h,
			    struct pi_sum *sum)
{
	static const double lane[PI_LANES] = { 0, 1, 2,	 3,  4,	 5,  6,	 7,
					       8, 9, 10, 11, 12, 13, 14, 15 };
	/* xb + j: the term's (i + 0.5), exact below 2^52 intervals */
	double xb = (double)first + 0.5, out[PI_LANES];
	uint64_t seg = pi_seg_len(h), n, k, c, done;
	PI_V a[PI_LANES / PI_W], b[PI_LANES / PI_W], jh[PI_LANES / PI_W];
	PI_V hr, c2, dm, zb, z, g;
	struct pi_seg s;

	if (!seg) {
		pi_slow(xb, count, h, sum);
		return;
	}
	while (count >= PI_LANES) {
		n = count < PI_SUB ? count - count % PI_LANES : PI_SUB;
#define PI_S(v) a[v] = b[v] = PI_DUP(0.0);
		PI_EACH(PI_S)
#undef PI_S
		for (done = 0; done < n; done += c) {
			c = n - done < seg ? n - done : seg;
			pi_seg_init(&s, xb, c, h, sum);
			hr = PI_DUP(s.hr);
			c2 = PI_DUP(s.c2);
			dm = PI_DUP(s.dm);
#define PI_S(v) jh[v] = PI_MUL(PI_LOAD(lane + (v)*PI_W), hr);
			PI_EACH(PI_S)
#undef PI_S
			/*
			 * z = rm x; g = rm e, e = 1 - rm (1 + x^2); the term
			 * less rm is g (1 + e) = g + dm g^2: a sums g, b g^2,
			 * times dm at the segment's end. NEON's FMLA/FMLS
			 * overwrite their addend: b's is the sum itself, so
			 * only c2 is copied (g (1 + dm g) would copy 1 too).
			 */
			for (k = 0; k < c; k += PI_LANES, xb += PI_LANES) {
				zb = PI_DUP(xb * s.hr);
#define PI_S(v)                                                                \
	z = PI_ADD(zb, jh[v]);                                                 \
	g = PI_FNMA(z, z, c2);                                                 \
	a[v] = PI_ADD(a[v], g);                                                \
	b[v] = PI_FMA(g, g, b[v]);
				PI_EACH(PI_S)
#undef PI_S
			}
#define PI_S(v)                                                                \
	a[v] = PI_FMA(b[v], dm, a[v]);                                         \
	b[v] = PI_DUP(0.0);
			PI_EACH(PI_S)
#undef PI_S
		}
#define PI_S(v) PI_STORE(out + (v)*PI_W, a[v]);
		PI_EACH(PI_S)
#undef PI_S
		pi_sum_add(sum, 4.0 * pi_fold(out));
		count -= n;
	}
	pi_tail(xb, count, h, sum);
}

/* Undone here, so that the next kernel defines them afresh. */
#undef PI_BODY
#undef PI_ATTR
#undef PI_V
#undef PI_W
#undef PI_EACH
#undef PI_DUP
#undef PI_LOAD
#undef PI_STORE
#undef PI_ADD
#undef PI_MUL
#undef PI_FMA
#undef PI_FNMA
