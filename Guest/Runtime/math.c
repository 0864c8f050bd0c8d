/*
 * math.c: the libm functions Embedded Swift calls (squareRoot, rounded,
 * truncatingRemainder, remainder, addingProduct; ceil for Set and Dictionary
 * capacities at -Osize), exact for every input.
 *
 * Most are one D/F instruction. Rounding to an integer converts to a 64-bit
 * integer with the rounding mode in the instruction, which is exact while
 * |x| < 2^52 (2^23 for float); at or above that every value is already an
 * integer. The conversion's inexact flag is put back, as C says only rint may
 * raise it. fmod and remainder use integer long division on the significands,
 * as they must be exact whatever the exponents.
 */
#include "include/interleave.h"

#define DEFINE_UNARY(name, type, instruction)                                 \
    type name(type x)                                                         \
    {                                                                         \
        type result;                                                          \
        __asm__(instruction " %0, %1" : "=f"(result) : "f"(x));               \
        return result;                                                        \
    }

#define DEFINE_BINARY(name, type, instruction)                                \
    type name(type x, type y)                                                 \
    {                                                                         \
        type result;                                                          \
        __asm__(instruction " %0, %1, %2" : "=f"(result) : "f"(x), "f"(y));   \
        return result;                                                        \
    }

DEFINE_UNARY(sqrt, double, "fsqrt.d")
DEFINE_UNARY(sqrtf, float, "fsqrt.s")
DEFINE_UNARY(fabs, double, "fabs.d")
DEFINE_UNARY(fabsf, float, "fabs.s")
DEFINE_BINARY(copysign, double, "fsgnj.d")
DEFINE_BINARY(copysignf, float, "fsgnj.s")
/* RISC-V fmin/fmax (F/D 2.2): a NaN operand yields the other one, -0 < +0. */
DEFINE_BINARY(fmin, double, "fmin.d")
DEFINE_BINARY(fminf, float, "fmin.s")
DEFINE_BINARY(fmax, double, "fmax.d")
DEFINE_BINARY(fmaxf, float, "fmax.s")

double fma(double x, double y, double z)
{
    double result;
    __asm__("fmadd.d %0, %1, %2, %3" : "=f"(result) : "f"(x), "f"(y), "f"(z));
    return result;
}

float fmaf(float x, float y, float z)
{
    float result;
    __asm__("fmadd.s %0, %1, %2, %3" : "=f"(result) : "f"(x), "f"(y), "f"(z));
    return result;
}

/*
 * Round to an integral value with a RISC-V rounding mode (rne, rtz, rdn, rup,
 * rmm, dyn). NaN is returned quieted; copysign keeps the sign of zero results
 * (ceil(-0.5) is -0). `keep_flags` restores fflags so no inexact is raised.
 */
#define DEFINE_ROUNDING(name, type, abs, sign, to_integer, from_integer,      \
                        limit, mode, keep_flags)                              \
    type name(type x)                                                         \
    {                                                                         \
        if (x != x)                                                           \
            return x + x;                                                     \
        if (!(abs(x) < (limit)))                                              \
            return x;                                                         \
        long flags, integer;                                                  \
        type rounded;                                                         \
        __asm__ volatile("frflags %0" : "=r"(flags));                         \
        __asm__ volatile(to_integer " %0, %1, " mode : "=r"(integer) : "f"(x)); \
        __asm__(from_integer " %0, %1" : "=f"(rounded) : "r"(integer));       \
        if (keep_flags)                                                       \
            __asm__ volatile("fsflags %0" : : "r"(flags));                    \
        return sign(rounded, x);                                              \
    }

#define DEFINE_DOUBLE_ROUNDING(name, mode, keep_flags)                        \
    DEFINE_ROUNDING(name, double, fabs, copysign, "fcvt.l.d", "fcvt.d.l",     \
                    0x1p52, mode, keep_flags)
#define DEFINE_FLOAT_ROUNDING(name, mode, keep_flags)                         \
    DEFINE_ROUNDING(name, float, fabsf, copysignf, "fcvt.l.s", "fcvt.s.l",    \
                    0x1p23f, mode, keep_flags)

DEFINE_DOUBLE_ROUNDING(floor, "rdn", 1)
DEFINE_FLOAT_ROUNDING(floorf, "rdn", 1)
DEFINE_DOUBLE_ROUNDING(ceil, "rup", 1)
DEFINE_FLOAT_ROUNDING(ceilf, "rup", 1)
DEFINE_DOUBLE_ROUNDING(trunc, "rtz", 1)
DEFINE_FLOAT_ROUNDING(truncf, "rtz", 1)
DEFINE_DOUBLE_ROUNDING(round, "rmm", 1)       /* halves away from zero */
DEFINE_FLOAT_ROUNDING(roundf, "rmm", 1)
DEFINE_DOUBLE_ROUNDING(roundeven, "rne", 1)   /* halves to even */
DEFINE_FLOAT_ROUNDING(roundevenf, "rne", 1)
DEFINE_DOUBLE_ROUNDING(rint, "dyn", 0)        /* current mode, may raise inexact */
DEFINE_FLOAT_ROUNDING(rintf, "dyn", 0)
DEFINE_DOUBLE_ROUNDING(nearbyint, "dyn", 1)   /* current mode, never inexact */
DEFINE_FLOAT_ROUNDING(nearbyintf, "dyn", 1)

/* A union, not memcpy: with -fno-builtin memcpy would be a real call. */
union double_bits {
    double value;
    uint64_t bits;
};

static uint64_t bits_of(double x)
{
    return (union double_bits){ .value = x }.bits;
}

static double double_of(uint64_t bits)
{
    return (union double_bits){ .bits = bits }.value;
}

#define SIGN_BIT      0x8000000000000000ull
#define EXPONENT_MAX  0x7ff
#define HIDDEN_BIT    (1ull << 52)
#define FRACTION_MASK (HIDDEN_BIT - 1)

/* The significand of a finite non-zero |x| as an integer with the hidden bit
   at bit 52, and its exponent; subnormals are normalised to the same form. */
static uint64_t unpack(uint64_t bits, int *exponent)
{
    int e = (int)(bits >> 52) & EXPONENT_MAX;
    uint64_t significand = bits & FRACTION_MASK;
    if (e == 0) {
        e = 1;
        while ((significand & HIDDEN_BIT) == 0) {
            significand <<= 1;
            e--;
        }
    } else {
        significand |= HIDDEN_BIT;
    }
    *exponent = e;
    return significand;
}

/*
 * fmod: x - n*y with n = trunc(x/y), exact. Shift-and-subtract long division
 * of the significands, one exponent step at a time, keeping the remainder.
 */
double fmod(double x, double y)
{
    uint64_t ux = bits_of(x), uy = bits_of(y);
    uint64_t sign = ux & SIGN_BIT;
    uint64_t ax = ux & ~SIGN_BIT, ay = uy & ~SIGN_BIT;
    if (ay == 0 || ay > (EXPONENT_MAX * HIDDEN_BIT) || ax >= EXPONENT_MAX * HIDDEN_BIT)
        return (x * y) / (x * y);            /* y zero or NaN, x infinite or NaN */
    if (ax < ay)
        return x;
    if (ax == ay)
        return double_of(sign);              /* zero with x's sign */

    int ex, ey;
    uint64_t mx = unpack(ax, &ex), my = unpack(ay, &ey);
    for (; ex > ey; ex--) {
        if (mx >= my)
            mx -= my;
        if (mx == 0)
            return double_of(sign);
        mx <<= 1;
    }
    if (mx >= my)
        mx -= my;
    if (mx == 0)
        return double_of(sign);

    /* Normalise the remainder back into a double of exponent ey or below. */
    while ((mx & HIDDEN_BIT) == 0) {
        mx <<= 1;
        ey--;
    }
    uint64_t result;
    if (ey > 0)
        result = ((uint64_t)ey << 52) | (mx & FRACTION_MASK);
    else
        result = mx >> (1 - ey);             /* subnormal: exact, bits only fall off as zeros */
    return double_of(result | sign);
}

/* The float result is exact in double and representable in float. */
float fmodf(float x, float y)
{
    return (float)fmod((double)x, (double)y);
}

/*
 * remainder: x - n*y with n = x/y rounded to nearest, ties to even; exact.
 * After fmod(x, 2y) we have |x| < 2|y|, so at most two subtractions of |y|
 * bring |x| to at most |y|/2, and each subtraction is exact.
 */
double remainder(double x, double y)
{
    uint64_t ux = bits_of(x), uy = bits_of(y);
    uint64_t sign = ux & SIGN_BIT;
    uint64_t ax = ux & ~SIGN_BIT, ay = uy & ~SIGN_BIT;
    if (ay == 0 || ay > (EXPONENT_MAX * HIDDEN_BIT) || ax >= EXPONENT_MAX * HIDDEN_BIT)
        return (x * y) / (x * y);
    double p = fabs(y);
    if (p < 0x1p1023)                        /* 2p does not overflow */
        x = fmod(x, p + p);
    x = fabs(x);
    if (p < 0x1p-1021) {                     /* p/2 would lose a bit: compare 2x */
        if (x + x > p) {
            x -= p;
            if (x + x >= p)
                x -= p;
        }
    } else {
        double half = 0.5 * p;
        if (x > half) {
            x -= p;
            if (x >= half)
                x -= p;
        }
    }
    return double_of(bits_of(x) ^ sign);
}

float remainderf(float x, float y)
{
    return (float)remainder((double)x, (double)y);
}
