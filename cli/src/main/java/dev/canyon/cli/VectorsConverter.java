package dev.canyon.cli;

import dev.canyon.contract.VectorRepresentation;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses {@code --vectors full|half|sketch|sketch:K}. */
final class VectorsConverter implements ITypeConverter<VectorRepresentation> {
    @Override
    public VectorRepresentation convert(String value) {
        try {
            return VectorRepresentation.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
