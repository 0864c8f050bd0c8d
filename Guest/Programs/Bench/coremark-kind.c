/*
 * coremark-kind.c (bench): a CPU benchmark of the CoreMark kind, written for Interleave
 * (not CoreMark's source, but the same mix of work). Each iteration runs three kernels
 * on small data that fits in a first-level cache, and folds each one's results into a
 * CRC-16:
 *
 *   list     a linked list of LIST_NODES nodes in a fixed pool: find nodes by value
 *            (moving each one found to the front), reverse the list, merge sort it by
 *            value, change every value, and merge sort it back into its first order;
 *   matrix   MATRIX_N x MATRIX_N matrices of 16-bit elements: add a constant, multiply
 *            by a constant, by a vector and by a matrix (32-bit results), and multiply
 *            matrices of bit fields extracted from the 16-bit elements; then sums of
 *            bit fields of the 32-bit results;
 *   state    a state machine that scans a string of comma-separated numbers and tokens
 *            (integers, decimals, exponents, hexadecimal, invalid ones) and counts each
 *            kind and every change of state; then the same with characters corrupted,
 *            which are put back afterwards.
 *
 * Each iteration's inputs depend on the CRC the previous iteration left, so no iteration
 * can be skipped or reordered. It prints the three CRCs of the first iteration and the
 * final checksum, and checks them against values it knows (as CoreMark checks its seeds),
 * so a wrong interpreter is caught even with no reference to compare with: a mismatch
 * prints MISMATCH and exits with status 1. Everything is fixed-width and unsigned where it
 * matters (char is unsigned on riscv64), so the values are the same on any host.
 *
 *   coremark-kind [ITERATIONS]     (default DEFAULT_ITERATIONS, about 200 million
 *                                   instructions at -O2)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_ITERATIONS 1000
#define LIST_NODES 160
#define LIST_FINDS 12
#define MATRIX_N 14
#define STATE_TOKENS 96

/* ---- CRC-16 (reflected polynomial 0xA001, bit by bit) ---- */

static uint16_t crc8(uint8_t data, uint16_t crc)
{
    for (int bit = 0; bit < 8; bit++) {
        uint16_t mix = (uint16_t)((data ^ crc) & 1);
        crc >>= 1;
        data >>= 1;
        if (mix)
            crc ^= 0xA001;
    }
    return crc;
}

static uint16_t crc16(uint16_t value, uint16_t crc)
{
    return crc8((uint8_t)(value >> 8), crc8((uint8_t)value, crc));
}

static uint16_t crc32(uint32_t value, uint16_t crc)
{
    return crc16((uint16_t)(value >> 16), crc16((uint16_t)value, crc));
}

/* A small linear congruential generator for the data: the same sequence everywhere. */
static uint32_t random_state;

static uint32_t next_random(void)
{
    random_state = random_state * 1103515245u + 12345u;
    return random_state >> 8;
}

/* ---- list processing ---- */

typedef struct node {
    struct node *next;
    uint16_t value;
    uint16_t index;
} node;

static node pool[LIST_NODES];

static node *list_build(void)
{
    for (int i = 0; i < LIST_NODES; i++) {
        pool[i].value = (uint16_t)(next_random() & 0x3FF);
        pool[i].index = (uint16_t)i;
        pool[i].next = i + 1 < LIST_NODES ? &pool[i + 1] : NULL;
    }
    return &pool[0];
}

/* The position of the first node holding `value` (or -1), moved to the front when found. */
static int list_find(node **head, uint16_t value)
{
    node *previous = NULL;
    int position = 0;
    for (node *current = *head; current != NULL; previous = current, current = current->next, position++) {
        if (current->value == value) {
            if (previous != NULL) {
                previous->next = current->next;
                current->next = *head;
                *head = current;
            }
            return position;
        }
    }
    return -1;
}

static node *list_reverse(node *head)
{
    node *reversed = NULL;
    while (head != NULL) {
        node *next = head->next;
        head->next = reversed;
        reversed = head;
        head = next;
    }
    return reversed;
}

static int list_before(const node *a, const node *b, int by_value)
{
    if (by_value)
        return a->value < b->value || (a->value == b->value && a->index <= b->index);
    return a->index <= b->index;
}

/* Bottom-up merge sort of a singly linked list: runs of width 1, 2, 4, ... merged in place. */
static node *list_sort(node *head, int by_value)
{
    for (int width = 1;; width *= 2) {
        node *remaining = head, *tail = NULL;
        int merges = 0;
        head = NULL;
        while (remaining != NULL) {
            merges++;
            node *left = remaining, *right = remaining;
            int left_size = 0, right_size = width;
            while (left_size < width && right != NULL) {
                left_size++;
                right = right->next;
            }
            while (left_size > 0 || (right_size > 0 && right != NULL)) {
                node *taken;
                if (left_size == 0) {
                    taken = right; right = right->next; right_size--;
                } else if (right_size == 0 || right == NULL || list_before(left, right, by_value)) {
                    taken = left; left = left->next; left_size--;
                } else {
                    taken = right; right = right->next; right_size--;
                }
                if (tail != NULL)
                    tail->next = taken;
                else
                    head = taken;
                tail = taken;
            }
            remaining = right;
        }
        if (tail != NULL)
            tail->next = NULL;
        if (merges <= 1)
            return head;
    }
}

static uint16_t list_work(node **head, uint16_t seed)
{
    uint16_t crc = 0;
    for (int k = 0; k < LIST_FINDS; k++) {
        int position = list_find(head, (uint16_t)((seed + k * 131) & 0x3FF));
        crc = crc16((uint16_t)position, crc);
    }
    *head = list_reverse(*head);
    crc = crc16((*head)->value, crc);
    *head = list_sort(*head, 1);
    uint16_t last = 0, order = 0;
    for (node *n = *head; n != NULL; n = n->next) {
        order += n->value >= last;   /* every node when sorted */
        last = n->value;
        crc = crc16(n->value, crc);
        n->value = (uint16_t)((n->value * 5u + seed + n->index) & 0x3FF);
    }
    crc = crc16(order, crc);
    *head = list_sort(*head, 0);
    for (node *n = *head; n != NULL && n->index < 16; n = n->next)
        crc = crc16(n->value, crc);
    return crc;
}

/* ---- matrix work ---- */

static int16_t matrix_a[MATRIX_N][MATRIX_N], matrix_b[MATRIX_N][MATRIX_N];
static int32_t matrix_c[MATRIX_N][MATRIX_N];
static int16_t vector[MATRIX_N];

static void matrix_build(void)
{
    for (int i = 0; i < MATRIX_N; i++) {
        for (int j = 0; j < MATRIX_N; j++) {
            matrix_a[i][j] = (int16_t)((next_random() & 0xFFF) - 0x800);
            matrix_b[i][j] = (int16_t)((next_random() & 0xFFF) - 0x800);
        }
        vector[i] = (int16_t)((next_random() & 0xFF) - 0x80);
    }
}

/* A 16-bit CRC of the 32-bit results: their sum, how many pass a limit, and a bit field. */
static uint16_t matrix_summary(int32_t limit, uint16_t crc)
{
    uint32_t sum = 0, fields = 0;
    uint16_t above = 0;
    for (int i = 0; i < MATRIX_N; i++) {
        for (int j = 0; j < MATRIX_N; j++) {
            int32_t value = matrix_c[i][j];
            sum += (uint32_t)value;
            above += value > limit;
            fields += ((uint32_t)value >> 3) & 0x3FF;
        }
    }
    return crc16(above, crc32(fields, crc32(sum, crc)));
}

static int32_t bits16(int16_t value)
{
    uint16_t bits = (uint16_t)value;
    return (int32_t)(((bits >> 2) & 0xF) * ((bits >> 5) & 0x7F));
}

static uint16_t matrix_work(uint16_t seed)
{
    int16_t constant = (int16_t)(seed & 0xFF);
    uint16_t crc = 0;
    for (int i = 0; i < MATRIX_N; i++)
        for (int j = 0; j < MATRIX_N; j++)
            matrix_a[i][j] = (int16_t)(matrix_a[i][j] + constant);
    for (int i = 0; i < MATRIX_N; i++)
        for (int j = 0; j < MATRIX_N; j++)
            matrix_c[i][j] = (int32_t)matrix_a[i][j] * constant;
    crc = matrix_summary(1 << 16, crc);
    for (int i = 0; i < MATRIX_N; i++) {
        int32_t sum = 0;
        for (int j = 0; j < MATRIX_N; j++)
            sum += (int32_t)matrix_a[i][j] * vector[j];
        for (int j = 0; j < MATRIX_N; j++)
            matrix_c[i][j] = sum >> (j & 7);
    }
    crc = matrix_summary(1 << 12, crc);
    for (int i = 0; i < MATRIX_N; i++) {
        for (int j = 0; j < MATRIX_N; j++) {
            int32_t sum = 0;
            for (int k = 0; k < MATRIX_N; k++)
                sum += (int32_t)matrix_a[i][k] * matrix_b[k][j];
            matrix_c[i][j] = sum;
        }
    }
    crc = matrix_summary(1 << 20, crc);
    for (int i = 0; i < MATRIX_N; i++) {
        for (int j = 0; j < MATRIX_N; j++) {
            int32_t sum = 0;
            for (int k = 0; k < MATRIX_N; k++)
                sum += bits16(matrix_a[i][k]) * bits16(matrix_b[k][j]);
            matrix_c[i][j] = sum;
        }
    }
    crc = matrix_summary(1 << 18, crc);
    for (int i = 0; i < MATRIX_N; i++)
        for (int j = 0; j < MATRIX_N; j++)
            matrix_a[i][j] = (int16_t)(matrix_a[i][j] - constant);
    /* B drifts a little each iteration so the products change. */
    matrix_b[seed % MATRIX_N][(seed >> 4) % MATRIX_N] ^= (int16_t)(seed & 0x3F);
    return crc;
}

/* ---- state machine ---- */

enum state { START, SIGN, INTEGER, ZERO, HEX_MARK, HEX, POINT, FRACTION, EXPONENT_MARK, EXPONENT_SIGN, EXPONENT,
             INVALID, STATES };

static unsigned char text[STATE_TOKENS * 16 + 1];   /* the longest token is 13 characters with its comma */
static size_t text_length;

static void state_build(void)
{
    static const char *const shapes[] = {"%u", "-%u", "%u.%u", "%u.%ue-%u", "+%ue%u", "0x%x", "%u.%u.%u", "q%u"};
    size_t at = 0;
    for (int t = 0; t < STATE_TOKENS; t++) {
        unsigned shape = next_random() % 8, a = next_random() % 9999, b = next_random() % 999, c = next_random() % 99;
        int length = snprintf((char *)text + at, sizeof text - at, shapes[shape], a, b, c);
        if (length < 0 || (size_t)length >= sizeof text - at - 1)
            break;   /* never, at this size; but never past the end either */
        at += (size_t)length;
        if (at < sizeof text - 1)
            text[at++] = ',';
    }
    text_length = at;
    text[at] = 0;
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_hex(unsigned char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

static enum state state_next(enum state state, unsigned char c)
{
    switch (state) {
    case START:
        if (c == '+' || c == '-') return SIGN;
        if (c == '0') return ZERO;
        if (is_digit(c)) return INTEGER;
        if (c == '.') return POINT;
        return INVALID;
    case SIGN:
        if (c == '0') return ZERO;
        return is_digit(c) ? INTEGER : c == '.' ? POINT : INVALID;
    case ZERO:
        if (c == 'x' || c == 'X') return HEX_MARK;
        /* A leading zero is an integer digit. */
        /* fall through */
    case INTEGER:
        if (is_digit(c)) return INTEGER;
        if (c == '.') return POINT;
        if (c == 'e' || c == 'E') return EXPONENT_MARK;
        return INVALID;
    case HEX_MARK:
    case HEX:
        return is_hex(c) ? HEX : INVALID;
    case POINT:
    case FRACTION:
        if (is_digit(c)) return FRACTION;
        if (c == 'e' || c == 'E') return state == FRACTION ? EXPONENT_MARK : INVALID;
        return INVALID;
    case EXPONENT_MARK:
        if (c == '+' || c == '-') return EXPONENT_SIGN;
        /* fall through */
    case EXPONENT_SIGN:
    case EXPONENT:
        return is_digit(c) ? EXPONENT : INVALID;
    default:
        return INVALID;
    }
}

/* Scans the whole text: the final state of every token, and every change of state. */
static uint16_t state_scan(uint16_t crc)
{
    uint32_t finals[STATES] = {0}, changes = 0;
    enum state state = START;
    for (size_t i = 0; i <= text_length; i++) {
        unsigned char c = text[i];
        if (c == ',' || c == 0) {
            finals[state]++;
            state = START;
            continue;
        }
        enum state next = state_next(state, c);
        changes += next != state;
        state = next;
    }
    for (int s = 0; s < STATES; s++)
        crc = crc32(finals[s], crc);
    return crc32(changes, crc);
}

static uint16_t state_work(uint16_t seed)
{
    uint16_t crc = state_scan(0);
    /* Corrupt every stride-th character (never a separator), scan again, put them back. */
    size_t stride = 7 + (seed & 15), count = 0;
    unsigned char saved[sizeof text];
    for (size_t i = seed % stride; i < text_length; i += stride) {
        if (text[i] == ',')
            continue;
        saved[count++] = text[i];
        text[i] = (unsigned char)('*' + (text[i] & 0x7));   /* one of * + , - . / 0 1 */
        if (text[i] == ',')
            text[i] = '.';                                  /* never a new separator */
    }
    crc = state_scan(crc);
    count = 0;
    for (size_t i = seed % stride; i < text_length; i += stride) {
        if (text[i] != ',')
            text[i] = saved[count++];
    }
    return crc16((uint16_t)count, crc);
}

/* ---- the benchmark ---- */

/* The first iteration's CRCs, and the final checksum for the counts the program knows. */
#define FIRST_LIST 0x679e
#define FIRST_MATRIX 0xe8c9
#define FIRST_STATE 0xf33d
static const struct { long iterations; uint16_t checksum; } known[] = {
    {1, 0xcbc6}, {10, 0xd8d5}, {DEFAULT_ITERATIONS, 0x2557},
};

int main(int argc, char **argv)
{
    long iterations = DEFAULT_ITERATIONS;
    if (argc > 1) {
        char *end;
        iterations = strtol(argv[1], &end, 10);
        if (*end != 0 || iterations < 1) {
            fprintf(stderr, "usage: coremark-kind [ITERATIONS] (a positive count, not '%s')\n", argv[1]);
            return 2;
        }
    }
    random_state = 0x5EED;
    node *head = list_build();
    matrix_build();
    state_build();

    uint16_t seed = 0x3415, checksum = 0, first[3] = {0, 0, 0};
    for (long iteration = 0; iteration < iterations; iteration++) {
        uint16_t list = list_work(&head, seed);
        uint16_t matrix = matrix_work((uint16_t)(seed ^ list));
        uint16_t state = state_work((uint16_t)(seed ^ matrix));
        if (iteration == 0) {
            first[0] = list;
            first[1] = matrix;
            first[2] = state;
        }
        checksum = crc16(state, crc16(matrix, crc16(list, checksum)));
        seed = (uint16_t)(checksum ^ (uint16_t)iteration);
    }

    printf("coremark-kind: %ld iterations\n", iterations);
    printf("first iteration: list crc 0x%04x, matrix crc 0x%04x, state crc 0x%04x\n", first[0], first[1], first[2]);
    printf("checksum 0x%04x\n", checksum);
    int wrong = first[0] != FIRST_LIST || first[1] != FIRST_MATRIX || first[2] != FIRST_STATE;
    const char *checked = "first iteration checked";
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
        if (known[k].iterations == iterations) {
            wrong |= known[k].checksum != checksum;
            checked = "first iteration and checksum checked";
        }
    }
    if (wrong) {
        printf("MISMATCH: expected first iteration 0x%04x 0x%04x 0x%04x\n", FIRST_LIST, FIRST_MATRIX, FIRST_STATE);
        return 1;
    }
    printf("%s: correct\n", checked);
    return 0;
}
