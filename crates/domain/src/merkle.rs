//! The Merkle tree of the audit log, in the construction of RFC 6962 (Certificate
//! Transparency), as updated by RFC 9162: leaves hashed with a 0x00 prefix, interior
//! nodes with 0x01, the tree split at the largest power of two below its size; inclusion
//! proofs show that an entry is in a tree, consistency proofs that a later tree extends
//! an earlier one without rewriting it.
//!
//! Written here rather than taken from a crate so that the verifiers reject malformed
//! proofs exactly as the transparency-dev test vectors require (every element checked
//! to be 32 bytes before it is used), and so that `domain` stays pure: hashing is a
//! function of its input only.

use std::fmt;

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// Hash of a leaf: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(data);
    hasher.finalize().into()
}

/// Hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root of an empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly below `size` (for `size` ≥ 2).
fn split(size: usize) -> usize {
    let mut power = 1;
    while power << 1 < size {
        power <<= 1;
    }
    power
}

/// The Merkle tree hash (MTH) of leaves given by their leaf hashes.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        size => {
            let k = split(size);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The audit path of leaf `index` in the tree of `leaves` (RFC 6962, PATH(m, D[n])),
/// or `None` when the index is outside the tree.
pub fn inclusion_proof(leaves: &[Hash], index: usize) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    let mut proof = Vec::new();
    path(leaves, index, &mut proof);
    Some(proof)
}

fn path(leaves: &[Hash], index: usize, proof: &mut Vec<Hash>) {
    if leaves.len() <= 1 {
        return;
    }
    let k = split(leaves.len());
    if index < k {
        path(&leaves[..k], index, proof);
        proof.push(root(&leaves[k..]));
    } else {
        path(&leaves[k..], index - k, proof);
        proof.push(root(&leaves[..k]));
    }
}

/// The consistency proof between the first `first` leaves and all of `leaves`
/// (RFC 6962, PROOF(m, D[n])), or `None` when `first` is 0 or larger than the tree.
pub fn consistency_proof(leaves: &[Hash], first: usize) -> Option<Vec<Hash>> {
    if first == 0 || first > leaves.len() {
        return None;
    }
    let mut proof = Vec::new();
    subproof(first, leaves, true, &mut proof);
    Some(proof)
}

fn subproof(first: usize, leaves: &[Hash], complete: bool, proof: &mut Vec<Hash>) {
    let size = leaves.len();
    if first == size {
        if !complete {
            proof.push(root(leaves));
        }
        return;
    }
    let k = split(size);
    if first <= k {
        subproof(first, &leaves[..k], complete, proof);
        proof.push(root(&leaves[k..]));
    } else {
        subproof(first - k, &leaves[k..], false, proof);
        proof.push(root(&leaves[..k]));
    }
}

/// The root of a growing tree kept in O(log n) space: the hashes of its complete
/// subtrees, largest first, as leaves are appended. The root of the tree so far is
/// the right-to-left fold of those hashes — exactly RFC 6962's MTH — so a verifier can
/// stream millions of leaves and check every signed tree head on the way in one pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactRange {
    size: u64,
    /// (height, hash) of each complete subtree, largest first.
    peaks: Vec<(u32, Hash)>,
}

impl CompactRange {
    /// An empty tree.
    pub fn new() -> CompactRange {
        CompactRange::default()
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut height = 0;
        let mut hash = leaf;
        while let Some((top_height, top_hash)) = self.peaks.last().copied() {
            if top_height != height {
                break;
            }
            self.peaks.pop();
            hash = node_hash(&top_hash, &hash);
            height += 1;
        }
        self.peaks.push((height, hash));
        self.size += 1;
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root of the tree so far.
    pub fn root(&self) -> Hash {
        let mut peaks = self.peaks.iter().rev();
        let Some((_, last)) = peaks.next() else { return empty_root() };
        peaks.fold(*last, |right, (_, left)| node_hash(left, &right))
    }
}

/// Why a proof does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofError {
    /// The index is not inside the tree, or the sizes are out of order.
    OutOfRange,
    /// A hash (leaf, root or proof element) is not 32 bytes long.
    WrongLength,
    /// The proof has too many or too few elements for the sizes.
    WrongProofSize,
    /// The proof does not lead to the expected root.
    RootMismatch,
    /// A consistency proof from an empty tree proves nothing and is refused.
    EmptyTree,
}

impl fmt::Display for ProofError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProofError::OutOfRange => "index or size out of range",
            ProofError::WrongLength => "a hash is not 32 bytes long",
            ProofError::WrongProofSize => "the proof has the wrong number of elements",
            ProofError::RootMismatch => "the proof does not lead to the root",
            ProofError::EmptyTree => "consistency with an empty tree proves nothing",
        })
    }
}

fn hash_of(bytes: &[u8]) -> Result<Hash, ProofError> {
    bytes.try_into().map_err(|_| ProofError::WrongLength)
}

fn check_elements(proof: &[Vec<u8>]) -> Result<Vec<Hash>, ProofError> {
    // Every element is checked before any is used (the transparency-dev requirement).
    proof.iter().map(|element| hash_of(element)).collect()
}

/// Verifies that `leaf` (a leaf hash) is at `index` in the tree of `size` with `root`
/// (RFC 9162, 2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &[u8], proof: &[Vec<u8>], root: &[u8]) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::OutOfRange);
    }
    let leaf = hash_of(leaf)?;
    let proof = check_elements(proof)?;
    let computed = root_from_inclusion(index, size, leaf, &proof)?;
    if computed.as_slice() == root { Ok(()) } else { Err(ProofError::RootMismatch) }
}

fn root_from_inclusion(index: u64, size: u64, leaf: Hash, proof: &[Hash]) -> Result<Hash, ProofError> {
    let mut fn_ = index;
    let mut sn = size - 1;
    let mut hash = leaf;
    for element in proof {
        if sn == 0 {
            return Err(ProofError::WrongProofSize);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            hash = node_hash(element, &hash);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            hash = node_hash(&hash, element);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongProofSize);
    }
    Ok(hash)
}

/// Verifies that the tree of `size2` with `root2` extends the tree of `size1` with
/// `root1` (RFC 9162, 2.1.4.2).
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Vec<u8>],
    root1: &[u8],
    root2: &[u8],
) -> Result<(), ProofError> {
    if size2 < size1 {
        return Err(ProofError::OutOfRange);
    }
    if size1 == 0 {
        return Err(ProofError::EmptyTree);
    }
    let proof = check_elements(proof)?;
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofSize);
        }
        return if root1 == root2 { Ok(()) } else { Err(ProofError::RootMismatch) };
    }
    let first_root = hash_of(root1)?;
    let mut elements = proof.as_slice();
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if size1.is_power_of_two() {
        path.push(first_root);
    }
    if elements.is_empty() {
        return Err(ProofError::WrongProofSize);
    }
    path.extend_from_slice(elements);
    elements = path.as_slice();
    let mut fn_ = size1 - 1;
    let mut sn = size2 - 1;
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let mut first = elements[0];
    let mut second = elements[0];
    for element in &elements[1..] {
        if sn == 0 {
            return Err(ProofError::WrongProofSize);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            first = node_hash(element, &first);
            second = node_hash(element, &second);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            second = node_hash(&second, element);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongProofSize);
    }
    if first.as_slice() != root1 || second.as_slice() != root2 {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The leaves of the RFC 6962 reference tree, as used by transparency-dev.
    fn reference_leaves() -> Vec<Hash> {
        let data: [&[u8]; 8] = [
            &[],
            &[0x00],
            &[0x10],
            &[0x20, 0x21],
            &[0x30, 0x31],
            &[0x40, 0x41, 0x42, 0x43],
            &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            &[0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
        ];
        data.iter().map(|leaf| leaf_hash(leaf)).collect()
    }

    fn hex(hash: &Hash) -> String {
        hash.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    #[test]
    fn the_reference_tree_has_the_published_root() {
        assert_eq!(hex(&root(&reference_leaves())), "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
        assert_eq!(hex(&empty_root()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    proptest! {
        #[test]
        fn generated_proofs_verify_and_tampered_ones_do_not(size in 1usize..70, pick in any::<usize>(), first in any::<usize>()) {
            let leaves: Vec<Hash> = (0..size).map(|n| leaf_hash(&n.to_be_bytes())).collect();
            let tree_root = root(&leaves);
            let index = pick % size;
            let proof: Vec<Vec<u8>> = inclusion_proof(&leaves, index).unwrap().iter().map(|hash| hash.to_vec()).collect();
            prop_assert_eq!(verify_inclusion(index as u64, size as u64, &leaves[index], &proof, &tree_root), Ok(()));
            let other = leaf_hash(b"not in the tree");
            prop_assert!(verify_inclusion(index as u64, size as u64, &other, &proof, &tree_root).is_err());
            let first = 1 + first % size;
            let consistency: Vec<Vec<u8>> =
                consistency_proof(&leaves, first).unwrap().iter().map(|hash| hash.to_vec()).collect();
            let first_root = root(&leaves[..first]);
            prop_assert_eq!(
                verify_consistency(first as u64, size as u64, &consistency, &first_root, &tree_root),
                Ok(())
            );
            if first < size {
                let mut rewritten = leaves.clone();
                rewritten[first - 1] = other;
                prop_assert!(
                    verify_consistency(first as u64, size as u64, &consistency, &root(&rewritten[..first]), &tree_root)
                        .is_err()
                );
            }
        }
    }

    #[test]
    fn the_compact_range_agrees_with_the_recursive_root_at_every_size() {
        let leaves: Vec<Hash> = (0u32..300).map(|n| leaf_hash(&n.to_be_bytes())).collect();
        let mut range = CompactRange::new();
        assert_eq!(range.root(), empty_root());
        for (size, leaf) in leaves.iter().enumerate() {
            range.push(*leaf);
            assert_eq!(range.root(), root(&leaves[..=size]), "size {}", size + 1);
        }
        assert_eq!(range.size(), 300);
    }

    #[test]
    fn short_proof_elements_are_rejected_before_use() {
        let leaves = reference_leaves();
        let mut proof: Vec<Vec<u8>> = inclusion_proof(&leaves, 2).unwrap().iter().map(|hash| hash.to_vec()).collect();
        proof[1].pop();
        assert_eq!(verify_inclusion(2, 8, &leaves[2], &proof, &root(&leaves)), Err(ProofError::WrongLength));
    }
}
