/* Scale a vector on the accelerator, in C: out[i] = in[i] * factor for 128 items, 32 a
 * work-group, through the driver calls interleave.h declares (accel_*). The kernel is an
 * ordinary C function; the device runs a copy of this program, so its address is valid
 * there. Output: "scale: items N wrong W". */

#include <interleave.h>

struct scale_job {
    uint64_t in;       /* device addresses */
    uint64_t out;
    uint64_t factor;
};

static void scale(uint64_t index, uint64_t argument)
{
    const struct scale_job *job = (const struct scale_job *)argument;
    const uint64_t *in = (const uint64_t *)job->in;
    uint64_t *out = (uint64_t *)job->out;
    out[index] = in[index] * job->factor;
}

#define ITEMS 128

int main(void)
{
    static uint64_t values[ITEMS], results[ITEMS];
    long ctx = accel_create();
    if (ctx < 0) {
        printf("scale: accel_create failed %ld\n", ctx);
        return 2;
    }
    long in = accel_alloc(ctx, sizeof values);
    long out = accel_alloc(ctx, sizeof results);
    long job_address = accel_alloc(ctx, sizeof(struct scale_job));
    if (in < 0 || out < 0 || job_address < 0) {
        printf("scale: accel_alloc failed\n");
        return 2;
    }
    for (int i = 0; i < ITEMS; i++) values[i] = (uint64_t)i + 1;
    struct scale_job job = { (uint64_t)in, (uint64_t)out, 5 };
    accel_copy_in(ctx, (uint64_t)in, values, sizeof values);
    accel_copy_in(ctx, (uint64_t)job_address, &job, sizeof job);
    long submission = accel_submit(ctx, scale, ITEMS, 32, (uint64_t)job_address);
    long waited = submission < 0 ? submission : accel_wait(ctx, submission);
    if (waited < 0) {
        printf("scale: the kernel failed %ld\n", waited);
        return 1;
    }
    accel_copy_out(ctx, results, (uint64_t)out, sizeof results);
    int wrong = 0;
    for (int i = 0; i < ITEMS; i++)
        if (results[i] != ((uint64_t)i + 1) * 5) wrong++;
    printf("scale: items %d wrong %d\n", ITEMS, wrong);
    accel_destroy(ctx);
    return wrong == 0 ? 0 : 1;
}
