/*
 * format.c: printf and its relatives for C guests.
 *
 * One formatter feeds a sink: putchar's stdout buffer (printf), a small
 * buffer written to a file descriptor (dprintf), or a caller's array
 * (snprintf). It knows %d %i %u %x %X %o %p %s %c %% with the flags - 0 + space,
 * a width and a precision (numbers or *), and the lengths hh h l ll z t j.
 * There is no floating point: exact decimal conversion of a double is a
 * library of its own, and Swift guests print doubles through Swift.
 */
#include "include/interleave.h"

struct sink {
    void (*put)(struct sink *sink, char c);
    char *buffer;
    size_t size;        /* capacity of buffer */
    size_t used;        /* bytes in buffer */
    int fd;
    long total;         /* bytes produced, whether or not they fitted */
};

static void emit(struct sink *sink, char c)
{
    sink->put(sink, c);
    sink->total++;
}

static void emit_repeated(struct sink *sink, char c, int count)
{
    while (count-- > 0)
        emit(sink, c);
}

struct spec {
    int left, zero, plus, space, width, precision;
};

static void emit_padded(struct sink *sink, const struct spec *spec, const char *prefix,
                        const char *digits, int digit_count, int zero_digits)
{
    int prefix_length = (int)strlen(prefix);
    int length = prefix_length + zero_digits + digit_count;
    int padding = spec->width > length ? spec->width - length : 0;
    if (!spec->left && !spec->zero)
        emit_repeated(sink, ' ', padding);
    for (int i = 0; i < prefix_length; i++)
        emit(sink, prefix[i]);
    if (!spec->left && spec->zero)
        emit_repeated(sink, '0', padding);
    emit_repeated(sink, '0', zero_digits);
    for (int i = 0; i < digit_count; i++)
        emit(sink, digits[i]);
    if (spec->left)
        emit_repeated(sink, ' ', padding);
}

static void emit_number(struct sink *sink, struct spec spec, unsigned long long value,
                        int negative, unsigned base, int upper, const char *prefix)
{
    char digits[24];
    int count = 0;
    const char *alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *end = digits + sizeof digits;
    do {
        *--end = alphabet[value % base];
        value /= base;
        count++;
    } while (value != 0);
    if (spec.precision == 0 && count == 1 && *end == '0')
        count = 0;                                   /* printf("%.0d", 0) prints nothing */
    if (spec.precision >= 0)
        spec.zero = 0;
    int zero_digits = spec.precision > count ? spec.precision - count : 0;
    if (negative)
        prefix = "-";
    else if (*prefix == '\0' && spec.plus)
        prefix = "+";
    else if (*prefix == '\0' && spec.space)
        prefix = " ";
    emit_padded(sink, &spec, prefix, end, count, zero_digits);
}

static int parse_number(const char **format, va_list *args)
{
    if (**format == '*') {
        (*format)++;
        return va_arg(*args, int);
    }
    int value = 0;
    while (**format >= '0' && **format <= '9')
        value = value * 10 + (*(*format)++ - '0');
    return value;
}

static void format_to(struct sink *sink, const char *format, va_list *args)
{
    for (; *format != '\0'; format++) {
        if (*format != '%') {
            emit(sink, *format);
            continue;
        }
        struct spec spec = { 0, 0, 0, 0, 0, -1 };
        for (;; format++) {
            char flag = format[1];
            if (flag == '-') spec.left = 1;
            else if (flag == '0') spec.zero = 1;
            else if (flag == '+') spec.plus = 1;
            else if (flag == ' ') spec.space = 1;
            else break;
        }
        format++;
        spec.width = parse_number(&format, args);
        if (spec.width < 0) {
            spec.left = 1;
            spec.width = -spec.width;
        }
        if (*format == '.') {
            format++;
            spec.precision = parse_number(&format, args);
        }
        int longs = 0;                               /* h: -1, hh: -2, l/z/t/j: 1, ll: 2 */
        for (;; format++) {
            if (*format == 'h') longs--;
            else if (*format == 'l') longs++;
            else if (*format == 'z' || *format == 't' || *format == 'j') longs = 1;
            else break;
        }
        char conversion = *format;
        if (conversion == '\0')
            return;
        if (conversion == 'd' || conversion == 'i') {
            long long value = longs > 0 ? va_arg(*args, long long) : va_arg(*args, int);
            if (longs == -1) value = (short)value;
            if (longs == -2) value = (signed char)value;
            unsigned long long magnitude = value < 0 ? 0ull - (unsigned long long)value
                                                     : (unsigned long long)value;
            emit_number(sink, spec, magnitude, value < 0, 10, 0, "");
        } else if (conversion == 'u' || conversion == 'x' || conversion == 'X' ||
                   conversion == 'o') {
            unsigned long long value = longs > 0 ? va_arg(*args, unsigned long long)
                                                 : va_arg(*args, unsigned);
            if (longs == -1) value = (unsigned short)value;
            if (longs == -2) value = (unsigned char)value;
            unsigned base = conversion == 'u' ? 10 : conversion == 'o' ? 8 : 16;
            spec.plus = spec.space = 0;
            emit_number(sink, spec, value, 0, base, conversion == 'X', "");
        } else if (conversion == 'p') {
            spec.plus = spec.space = 0;
            emit_number(sink, spec, (uintptr_t)va_arg(*args, void *), 0, 16, 0, "0x");
        } else if (conversion == 's') {
            const char *s = va_arg(*args, const char *);
            if (s == NULL)
                s = "(null)";
            int length = (int)(spec.precision >= 0 ? strnlen(s, (size_t)spec.precision)
                                                   : strlen(s));
            spec.zero = 0;
            emit_padded(sink, &spec, "", s, length, 0);
        } else if (conversion == 'c') {
            char c = (char)va_arg(*args, int);
            spec.zero = 0;
            emit_padded(sink, &spec, "", &c, 1, 0);
        } else {
            emit(sink, conversion);                  /* %% and anything unknown */
        }
    }
}

static void put_stdout(struct sink *sink, char c)
{
    (void)sink;
    putchar(c);
}

static void put_fd(struct sink *sink, char c)
{
    if (sink->used == sink->size) {
        interleave_write_all(sink->fd, sink->buffer, sink->used);
        sink->used = 0;
    }
    sink->buffer[sink->used++] = c;
}

/* Keeps room for the terminating NUL. */
static void put_array(struct sink *sink, char c)
{
    if (sink->used + 1 < sink->size)
        sink->buffer[sink->used++] = c;
}

int vprintf(const char *format, va_list args)
{
    struct sink sink = { put_stdout, NULL, 0, 0, 1, 0 };
    va_list copy;
    va_copy(copy, args);
    format_to(&sink, format, &copy);
    va_end(copy);
    return (int)sink.total;
}

int vdprintf(int fd, const char *format, va_list args)
{
    char buffer[256];
    struct sink sink = { put_fd, buffer, sizeof buffer, 0, fd, 0 };
    if (fd == 1)
        interleave_flush();                          /* keep stdout in order */
    va_list copy;
    va_copy(copy, args);
    format_to(&sink, format, &copy);
    va_end(copy);
    interleave_write_all(fd, buffer, sink.used);
    return (int)sink.total;
}

int vsnprintf(char *buffer, size_t size, const char *format, va_list args)
{
    struct sink sink = { put_array, buffer, size, 0, -1, 0 };
    va_list copy;
    va_copy(copy, args);
    format_to(&sink, format, &copy);
    va_end(copy);
    if (size > 0)
        buffer[sink.used] = '\0';
    return (int)sink.total;
}

int printf(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int count = vprintf(format, args);
    va_end(args);
    return count;
}

int dprintf(int fd, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int count = vdprintf(fd, format, args);
    va_end(args);
    return count;
}

int snprintf(char *buffer, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int count = vsnprintf(buffer, size, format, args);
    va_end(args);
    return count;
}
