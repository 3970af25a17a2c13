package io.simforge.train;

import com.google.gson.annotations.SerializedName;
import java.util.Locale;

/** The metric losses a run can train with; the JSON and command-line spelling is the lower-case name. */
public enum LossKind {
    /** Multi-Similarity (Wang et al., CVPR 2019). */
    @SerializedName("ms") MS,
    /** Batch-hard triplet (the EE paper's "HPHN"). */
    @SerializedName("triplet") TRIPLET,
    /** Lifted structure (Song et al., CVPR 2016). */
    @SerializedName("lifted") LIFTED,
    /** Multi-class N-pair (Sohn, NeurIPS 2016). */
    @SerializedName("npair") NPAIR,
    /** Contrastive with a positive and a negative margin. */
    @SerializedName("contrastive") CONTRASTIVE;

    /** The names as users type them. */
    public static final String NAMES = "ms, triplet, lifted, npair or contrastive";

    /**
     * Parses a loss name.
     *
     * @throws IllegalArgumentException naming the choices
     */
    public static LossKind parse(String text) {
        for (LossKind k : values()) {
            if (k.toString().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new IllegalArgumentException("loss '" + text + "' is unknown: choose " + NAMES);
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
