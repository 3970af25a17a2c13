package io.simforge.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import java.util.function.UnaryOperator;

/**
 * The forward pass of one P×K batch over several devices, with the embeddings gathered back on the first one, so
 * that the loss — and the pair mining inside it — sees the whole batch, in the sampler's order (DJL's
 * {@code EasyTrain} would compute the loss per device slice instead). Each device runs a contiguous slice of the
 * batch through its replica of the network; the copies to the first device are recorded by autograd, so the
 * backward pass sends every slice its gradients, and DJL's parameter store sums them across replicas at the step.
 *
 * <p>BatchNorm normalises each slice with its own statistics, and the running statistics kept are the first
 * device's, as in PyTorch's {@code DataParallel}.
 */
final class DataParallel {
    private DataParallel() {}

    /**
     * @param forward the network on one slice (already on its device); returns that slice's embeddings
     * @param x the batch, on {@code devices[0]}
     * @return the embeddings of the whole batch on {@code devices[0]}, rows in the order of {@code x}
     */
    static NDArray forward(UnaryOperator<NDArray> forward, NDArray x, Device[] devices) {
        if (devices.length == 1) {
            return forward.apply(x);
        }
        long[] bounds = bounds(x.getShape().get(0), devices.length);
        NDList gathered = new NDList(devices.length);
        for (int d = 0; d < devices.length; d++) {
            NDArray slice = x.get(new NDIndex(bounds[d] + ":" + bounds[d + 1])).toDevice(devices[d], false);
            // CUDA launches are asynchronous, so the devices overlap although the slices are issued in turn.
            gathered.add(forward.apply(slice).toDevice(devices[0], false));
        }
        return NDArrays.concat(gathered, 0);
    }

    /** Slice boundaries of {@code rows} over {@code parts}: sizes differ by at most one, the larger ones first. */
    static long[] bounds(long rows, int parts) {
        if (rows < 2L * parts) {
            throw new IllegalArgumentException("a batch of " + rows + " cannot be split over " + parts + " devices with at "
                    + "least 2 rows each (BatchNorm needs 2); use a larger batch or fewer devices");
        }
        long[] b = new long[parts + 1];
        for (int d = 0; d < parts; d++) {
            b[d + 1] = b[d] + rows / parts + (d < rows % parts ? 1 : 0);
        }
        return b;
    }
}
