//! Load-time fold of `DequantizeLinear` (per-tensor, per-axis and blockwise) into fp32 initializers.
//!
//! The opencv_zoo `*_int8bq.onnx` files store weights as int8 blocks followed by a blockwise
//! `DequantizeLinear` (and sometimes a `Reshape`). tract rejects the `block_size` attribute, so
//! before building the model we evaluate those constant subgraphs ourselves and replace them by
//! plain fp32 initializers. Graph inputs that are initializers or unused (the SFace file has 174
//! stale ones) are dropped. The result computes the same function as the quantised file.
use std::collections::{HashMap, HashSet};
use tract_onnx::pb::{GraphProto, NodeProto, TensorProto};

const FLOAT: i32 = 1;
const UINT8: i32 = 2;
const INT8: i32 = 3;
const INT32: i32 = 6;
const INT64: i32 = 7;

fn values(t: &TensorProto) -> Result<Vec<f32>, String> {
    if !t.float_data.is_empty() {
        return Ok(t.float_data.clone());
    }
    let raw = &t.raw_data;
    let v = match t.data_type {
        FLOAT => raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        INT8 if raw.is_empty() => t.int32_data.iter().map(|&v| v as f32).collect(),
        INT8 => raw.iter().map(|&b| f32::from(b as i8)).collect(),
        UINT8 if raw.is_empty() => t.int32_data.iter().map(|&v| v as f32).collect(),
        UINT8 => raw.iter().map(|&b| f32::from(b)).collect(),
        INT32 if raw.is_empty() => t.int32_data.iter().map(|&v| v as f32).collect(),
        INT32 => raw
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f32)
            .collect(),
        INT64 if raw.is_empty() => t.int64_data.iter().map(|&v| v as f32).collect(),
        INT64 => raw
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f32)
            .collect(),
        d => return Err(format!("unsupported tensor type {d} in initializer {}", t.name)),
    };
    Ok(v)
}

fn int_attr(n: &NodeProto, name: &str) -> Option<i64> {
    n.attribute.iter().find(|a| a.name == name).map(|a| a.i)
}

fn fold_dequantize_node(n: &NodeProto, consts: &HashMap<String, TensorProto>) -> Result<TensorProto, String> {
    let get = |i: usize| -> Result<&TensorProto, String> {
        n.input
            .get(i)
            .and_then(|name| consts.get(name))
            .ok_or_else(|| format!("DequantizeLinear input {i} missing"))
    };
    let q = get(0)?;
    let dims = q.dims.clone();
    let qv = values(q)?;
    let scale = values(get(1)?)?;
    let zero = match n.input.get(2) {
        Some(name) if !name.is_empty() => values(get(2)?)?,
        _ => vec![0.0; scale.len()],
    };
    if scale.is_empty() || zero.len() != scale.len() {
        return Err("DequantizeLinear scale/zero-point mismatch".into());
    }
    let rank = dims.len().max(1) as i64;
    let axis = int_attr(n, "axis").unwrap_or(1).rem_euclid(rank) as usize;
    let block = usize::try_from(int_attr(n, "block_size").unwrap_or(0)).unwrap_or(0);
    let strides: Vec<usize> = (0..dims.len())
        .map(|i| dims.get(i + 1..).unwrap_or(&[]).iter().product::<i64>().max(0) as usize)
        .collect();
    let axis_len = dims.get(axis).copied().unwrap_or(1).max(1) as usize;
    let stride = strides.get(axis).copied().unwrap_or(1).max(1);
    let n_blocks = if block > 0 {
        axis_len.div_ceil(block)
    } else {
        axis_len
    };
    let mut out = Vec::with_capacity(qv.len());
    for (i, &v) in qv.iter().enumerate() {
        let si = if scale.len() == 1 {
            0
        } else {
            let a = (i / stride) % axis_len;
            let outer = i / (stride * axis_len);
            let inner = i % stride;
            match a.checked_div(block) {
                Some(b) => (outer * n_blocks + b) * stride + inner,
                None => a,
            }
        };
        let (s, z) = match (scale.get(si), zero.get(si)) {
            (Some(s), Some(z)) => (*s, *z),
            _ => return Err(format!("DequantizeLinear scale index {si} out of range")),
        };
        out.push((v - z) * s);
    }
    Ok(TensorProto {
        name: n.output.first().cloned().unwrap_or_default(),
        dims,
        data_type: FLOAT,
        float_data: out,
        ..Default::default()
    })
}

fn fold_reshape_node(n: &NodeProto, consts: &HashMap<String, TensorProto>) -> Result<TensorProto, String> {
    let data = n
        .input
        .first()
        .and_then(|i| consts.get(i))
        .ok_or("Reshape input missing")?;
    let shape_t = n
        .input
        .get(1)
        .and_then(|i| consts.get(i))
        .ok_or("Reshape shape missing")?;
    let shape: Vec<i64> = values(shape_t)?.iter().map(|&v| v as i64).collect();
    let total: i64 = data.dims.iter().product();
    let known: i64 = shape.iter().filter(|&&d| d > 0).product();
    let mut t = data.clone();
    t.dims = shape
        .iter()
        .zip(data.dims.iter().chain(std::iter::repeat(&1)))
        .map(|(&d, &orig)| match d {
            -1 if known > 0 => total / known,
            0 => orig,
            d => d,
        })
        .collect();
    t.name = n.output.first().cloned().unwrap_or_default();
    Ok(t)
}

/// Folds constant `DequantizeLinear` nodes (and `Reshape`s of folded constants) into fp32
/// initializers. Returns the number of `DequantizeLinear` nodes folded.
pub(crate) fn fold_dequantize(g: &mut GraphProto) -> Result<usize, String> {
    let mut consts: HashMap<String, TensorProto> = g
        .initializer
        .iter()
        .map(|t| (t.name.clone(), t.clone()))
        .collect();
    let mut folded = 0;
    let mut keep = Vec::with_capacity(g.node.len());
    for n in g.node.drain(..) {
        let all_const = n
            .input
            .iter()
            .filter(|i| !i.is_empty())
            .all(|i| consts.contains_key(i));
        let Some(out_name) = n.output.first().cloned() else {
            keep.push(n);
            continue;
        };
        if n.op_type == "DequantizeLinear" && all_const {
            let t = fold_dequantize_node(&n, &consts)?;
            consts.insert(out_name, t);
            folded += 1;
        } else if n.op_type == "Reshape"
            && all_const
            && n.input
                .first()
                .and_then(|i| consts.get(i))
                .is_some_and(|t| t.data_type == FLOAT && !t.float_data.is_empty())
        {
            let t = fold_reshape_node(&n, &consts)?;
            consts.insert(out_name, t);
        } else {
            keep.push(n);
        }
    }
    g.node = keep;
    let used: HashSet<String> = g
        .node
        .iter()
        .flat_map(|n| n.input.iter().cloned())
        .chain(g.output.iter().map(|o| o.name.clone()))
        .collect();
    g.initializer = consts.into_values().filter(|t| used.contains(&t.name)).collect();
    let inits: HashSet<String> = g.initializer.iter().map(|t| t.name.clone()).collect();
    g.input
        .retain(|i| used.contains(&i.name) && !inits.contains(&i.name));
    Ok(folded)
}
